// Named restore points as a capability (supervisor/service/capability.h): built from the core's
// parts (the settings for the state folder and the local connection, the monitor for the
// recoverable window and the archiver's progress, the run state), registered once with
// Supervisor::add(restorePointsCapability()), reached by api/routes_restore_points.cpp through
// Service::capability(kRestorePointsCapability), and by the restore job through
// findRestorePoint(). The rules live in restore_points.h.
//
// Not a job: creating a point takes one statement and one WAL switch, then a wait for one
// segment to be archived (about a second when archiving is healthy, at most the archive
// timeout). A job would queue it behind a running backup (one repository job at a time) although
// it does not touch the repository itself, and a deploy script wants one call that returns when
// the point is safe. So the request answers 201 with the point once its WAL is in the
// repository.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/restore/restore_point_db.h"
#include "supervisor/restore/restore_points.h"
#include "supervisor/service/capability.h"

namespace pgbr {

inline constexpr std::string_view kRestorePointsCapability = "restore-points";
inline constexpr Millis kRestorePointArchiveTimeout{60000};

class RestorePointsCapability final : public Capability {
 public:
  explicit RestorePointsCapability(const CoreParts& parts);

  std::string_view name() const override { return kRestorePointsCapability; }
  void tick(bool busy) override;
  void stop() override { points_.stop(); }

  // POST /api/v1/restore-points: refused while a restore owns Postgres or at shutdown.
  Outcome<RestorePoint> create(const std::string& name);
  // GET /api/v1/restore-points: {"restore_points": [...], "recoverable_from"}.
  nlohmann::json listJson() const;
  std::optional<RestorePoint> find(const std::string& name) const { return points_.find(name); }

 private:
  RestoreWindow window() const;

  CoreParts parts_;
  PgRestorePointDatabase db_;
  RestorePoints points_;
  MonoTime next_archive_check_{};
};

CapabilityFactory restorePointsCapability();

// The capability behind `capability` (Service::capability(kRestorePointsCapability)), or null.
RestorePointsCapability* asRestorePoints(Capability* capability);

// The recorded point of that name (the restore job bounds a `name` target by its LSN and
// timeline); nullopt when none was recorded or the capability is not registered.
std::optional<RestorePoint> findRestorePoint(Capability* capability, const std::string& name);

}  // namespace pgbr
