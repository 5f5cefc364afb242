// Conditions that fire and resolve: "WAL archiving is stuck" is one alert while it lasts, not one
// per check. The tracker turns the checks' raise()/clear() calls into exactly one firing
// notification and, later, one resolved notification, and remembers which conditions fire in
// `<folder>/alerts.json` across restarts.
//
// Policy:
// - raise() of a condition that does not fire sends a firing notification; raise() again while it
//   fires sends nothing (no storm while S3 is down), except when the severity rises (a WAL backlog
//   going from warning to critical): that is sent once more, as the higher severity.
// - clear() of a firing condition sends one resolved notification; clear() of a condition that
//   does not fire sends nothing, so checks may call it on every pass.
// - Order on disk: the notification is queued in the outbox first, then alerts.json is written.
//   A crash between the two repeats a notification after the restart rather than losing it.
// - After a restart, a condition that still fires is not announced again, and one that has gone
//   gets its "resolved" as soon as the check calls clear().
// - Thread-safe.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/common/metric_family.h"
#include "supervisor/notify/dispatcher.h"
#include "supervisor/notify/notification.h"

namespace pgbr {

struct ActiveAlert {
  std::string condition;
  Severity severity = Severity::kWarning;
  std::string message;
  nlohmann::json details = nlohmann::json::object();
  WallTime since{};
  std::string notification_id;  // the firing notification that announced it
};

nlohmann::json toJson(const ActiveAlert& alert);

class AlertTracker {
 public:
  // `stanza` and `host` go into every notification.
  AlertTracker(std::filesystem::path folder, NotificationSink& sink, const Clock& clock,
               std::string stanza, std::string host);
  AlertTracker(const AlertTracker&) = delete;
  AlertTracker& operator=(const AlertTracker&) = delete;

  // Loads what fired before a restart. Returns "" or a one-line warning (unreadable file moved
  // aside to alerts.json.bad; the tracker starts with no alert).
  std::string open();

  // Returns true when a notification was queued.
  bool raise(const std::string& condition, Severity severity, const std::string& message,
             const nlohmann::json& details = nlohmann::json::object());
  bool clear(const std::string& condition, const std::string& message,
             const nlohmann::json& details = nlohmann::json::object());

  // A notification that is not a condition (a job succeeded, when successes are asked for).
  void announce(const std::string& event, Severity severity, const std::string& message,
                const nlohmann::json& details = nlohmann::json::object());

  bool isFiring(const std::string& condition) const;
  std::vector<ActiveAlert> active() const;  // oldest first
  // pgbr_alert_active{condition} = 1 for every firing condition.
  MetricFamily metric() const;
  // The error of the last failed write of alerts.json, "" once a write succeeds again.
  std::string writeError() const;

  std::filesystem::path file() const { return folder_ / "alerts.json"; }

 private:
  Notification make(const std::string& condition, Severity severity, AlertState state,
                    const std::string& message, const nlohmann::json& details) const;
  void save();  // with mutex_ held

  std::filesystem::path folder_;
  NotificationSink& sink_;
  const Clock& clock_;
  std::string stanza_;
  std::string host_;
  mutable std::mutex mutex_;
  std::vector<ActiveAlert> active_;
  std::string write_error_;
};

}  // namespace pgbr
