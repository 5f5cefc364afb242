// A dump run, the job of kind "dump": `pg_dumpall --globals-only` once, beside `pg_dump -Fc` of
// each selected database, each read in a snapshot of its own that the supervisor exports
// (pg_export_snapshot() in a REPEATABLE READ transaction held open until pg_dump is done) and
// counts every table in while pg_dump reads (at the lowest CPU priority), so the manifest's row
// counts are exactly what the dump holds.
// Files stream into the store; the manifest is written last; a run that fails or is cancelled
// removes what it wrote, so no partial run is ever listed. Leftovers of a run cut short by a
// crash are removed at the start of the next one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/config/settings.h"
#include "supervisor/dumps/dump_manifest.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/os/children.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

struct DumpRunRequest {
  std::vector<std::string> databases;  // empty: PGBR_DUMP_DATABASES, else every database
  std::string annotation;
  JobTrigger trigger = JobTrigger::kApi;
};

struct DumpJobParts {
  const Settings& settings;
  const Clock& clock;
  Children& children;
  ObjectStore& store;
  bool encrypted = false;
};

struct ServerDatabase {
  std::string name;
  std::string encoding, collate, ctype;
  int64_t size = 0;  // pg_database_size
};

// The databases a dump can read (accepting connections, not templates), by name.
std::vector<ServerDatabase> dumpableDatabases(const Settings& settings, std::string* error);

// On success `made` is the run's manifest (also stored).
JobOutcome runDump(JobContext& ctx, const DumpJobParts& parts, const DumpRunRequest& request,
                   std::optional<DumpManifest>* made);

}  // namespace pgbr
