// Standbys and promotion as a capability (supervisor/service/capability.h): the role, the
// streaming state and the lag in GET /api/v1/status, on the dashboard and in /metrics, and
// POST /api/v1/promote (api/routes_replica.cpp), reached through Service::capability(kReplica).
//
// Policy:
// - The role is what Postgres says: a standby is a server in recovery with standby.signal in its
//   data directory (a restore that recovers is neither: it ends by itself).
// - Its own thread reads the replication state every 2 s (the API and /metrics read the copy, so
//   a slow Postgres never holds a request). A standby that does not stream also tries a
//   replication connection to its primary every 15 s with the same credentials, to say why
//   (refused, wrong password, no pg_hba.conf rule, the primary is this server itself); Postgres'
//   own WAL receiver keeps retrying meanwhile and the archive is replayed.
// - It starts before the start-up jobs (which a standby holds until it is promoted); the
//   replication role of an existing data directory is seen to on its thread after them.
// - Promotion is a job: pg_promote() and the wait until the server is writable. What follows a
//   promotion however it was asked (this job, pg_ctl promote, an operator): the start-up jobs run
//   (stanza-create, check), archiving goes on into the stanza on the new timeline, and that
//   timeline's first backup is taken (BackupJobs::backupNewTimeline).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "supervisor/common/errors.h"
#include "supervisor/common/periodic_thread.h"
#include "supervisor/replica/replication_status.h"
#include "supervisor/service/capability.h"

namespace pgbr {

inline constexpr std::string_view kReplicaCapability = "replica";

class ReplicaCapability final : public Capability {
 public:
  explicit ReplicaCapability(const CoreParts& parts);
  ~ReplicaCapability() override;

  std::string_view name() const override { return kReplicaCapability; }
  // On a primary (after the start-up jobs, so after a promotion too): the replication role and
  // its pg_hba.conf rule on a data directory initdb did not make (replication_access.h).
  void start() override;
  void addStatus(nlohmann::json& status) override;
  void addMetrics(Metrics& metrics) override;
  void stop() override;

  // POST /api/v1/promote: `confirm` must be the stanza's name. Conflict unless this server is a
  // standby now.
  Outcome<Job> promote(const std::string& confirm);

 private:
  void poll();
  // Why a replication connection to the primary fails, "" when it succeeds.
  std::string probePrimary();
  bool isStandbyNow() const;
  JobOutcome runPromotion(JobContext& ctx);

  CoreParts p_;
  mutable std::mutex mutex_;
  ReplicationStatus last_;                   // guarded by mutex_
  std::string primary_error_;                // guarded by mutex_: the last probe's answer
  std::atomic<bool> access_pending_{false};  // start() asked for ensureReplicationAccess
  // The poll thread's own:
  PgConnPtr conn_;
  MonoTime next_probe_{};
  std::string logged_state_;  // the last state written to the log
  PeriodicThread thread_;     // last: it starts polling once everything above exists
};

CapabilityFactory makeReplicaCapability();

// The capability behind `capability` (Service::capability(kReplicaCapability)), or null.
ReplicaCapability* asReplica(Capability* capability);

}  // namespace pgbr
