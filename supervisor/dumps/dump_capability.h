// Logical dumps as a capability (supervisor/service/capability.h): per-database pg_dump runs kept
// in the repository beside the physical backups (dump_store.h), listed, downloaded, restored
// into a new name or over the database, and expired by retention. A dump run and a dump restore
// are JOBS (kinds "dump" and "dump-restore"): one job at a time, like every job, so a dump never
// runs beside a backup or a restore; a request while one runs is refused with repository_busy.
//
// When: PGBR_SCHEDULE_DUMP (cron) and on request (POST /api/v1/dumps). Retention
// (PGBR_DUMP_RETENTION runs, PGBR_DUMP_RETENTION_DAYS) is applied after a successful run only.
// Results: GET /api/v1/dumps, the status' "dumps" section and the pgbr_dump_* metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/errors.h"
#include "supervisor/dumps/dump_restore.h"
#include "supervisor/dumps/dump_run.h"
#include "supervisor/jobs/job.h"
#include "supervisor/service/capability.h"

namespace pgbr {

struct DumpRestoreAsk {
  std::string id;
  std::string database;
  std::string into;     // empty: a new name (defaultRestoreName)
  std::string confirm;  // must equal `database` when `into` is the database itself
  bool globals = false;
};

// A dump file ready to stream: its plain size and a reader that pushes its bytes in order.
struct DumpDownload {
  std::string filename;  // for Content-Disposition: "<db>-<id>.dump"
  uint64_t size = 0;
  std::function<std::string(const ChunkSink& sink)> read;
};

// What the API asks of the dumps (api/routes_dumps.cpp).
class DumpService {
 public:
  virtual ~DumpService() = default;
  // The databases a dump can take: [{"name","size","encoding"}]; postgres_down when it is down.
  virtual Outcome<nlohmann::json> databases() = 0;
  // 202 with the job; bad_request for a database that does not exist; repository_busy.
  virtual Outcome<Job> startDump(const DumpRunRequest& request) = 0;
  // {"dumps": [summary...] newest first, "store", "schedule", "retention", "selected"
  //  (PGBR_DUMP_DATABASES; empty: every database)}
  virtual Outcome<nlohmann::json> dumps() = 0;
  virtual Outcome<nlohmann::json> dump(const std::string& id) = 0;
  virtual Outcome<DumpDownload> download(const std::string& id, const std::string& database) = 0;
  virtual Outcome<DumpDownload> downloadGlobals(const std::string& id) = 0;
  virtual Outcome<Job> startRestore(const DumpRestoreAsk& ask) = 0;
  // Removes a run; `confirm` must equal its id.
  virtual Outcome<nlohmann::json> removeDump(const std::string& id, const std::string& confirm) = 0;
};

inline constexpr std::string_view kDumpCapability = "dumps";

std::unique_ptr<Capability> makeDumpCapability(const CoreParts& parts);

}  // namespace pgbr
