// Notifications as a capability (supervisor/service/capability.h): the alert conditions
// (conditions.h) checked on the loop's beat and after every job, turned into one firing and one
// resolved notification each by the AlertTracker, delivered by the Dispatcher from the outbox on
// disk to every channel (webhooks, e-mail) configured by the PGBR_NOTIFY_* settings.
//
// Policy:
// - Nothing here waits on the network: checks read cached figures (the status monitor, the
//   process table, statvfs of pg_wal) and a notification is only written to the outbox; the
//   dispatcher's own thread sends. It starts with the supervisor, so deliveries left pending by
//   a restart go out even while the start-up jobs run.
// - Checks start once the start-up jobs ran (start()); job results count from the first job on.
// - PGBR_NOTIFY_EVENTS decides what is tracked: failures (job conditions), alerts (archiving,
//   WAL backlog, repository, Postgres, overdue schedules), success (a note per job that
//   succeeded). Without any channel the alerts are still tracked and shown (status, metrics,
//   dashboard); nothing is queued.
// - Results: GET /api/v1/notifications, POST /api/v1/notifications/test (api/routes_notifications
//   .cpp), "alerts" and "notifications" in GET /api/v1/status, pgbr_notifications_total and
//   pgbr_alert_active in the metrics.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/common/errors.h"
#include "supervisor/service/capability.h"

namespace pgbr {

// What the API asks of the notifications.
class NotificationService {
 public:
  virtual ~NotificationService() = default;
  // {"channels": [{"name","kind","description"}], "events": [...], "alerts": [...],
  //  "pending": n, "deliveries": [...] newest first, at most `limit`}
  virtual nlohmann::json overview(size_t limit) = 0;
  // Sends a test notification to every channel now and waits for each answer:
  // {"results": [{"channel","description","ok","error"}]}; conflict when there is no channel.
  virtual Outcome<nlohmann::json> sendTest() = 0;
};

inline constexpr std::string_view kNotifyCapability = "notifications";

std::unique_ptr<Capability> makeNotifyCapability(const CoreParts& parts);

}  // namespace pgbr
