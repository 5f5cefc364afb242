// Restoring one database from a dump run, the job of kind "dump-restore".
//
// Into a new name (the default, the seeds' db_to_db snapshot): CREATE DATABASE with the dumped
// database's encoding and locale, pg_restore from the stored dump streamed into its stdin, then
// the check: every table's row count equal to the manifest's (check_tables). Over the existing
// database (only with `confirm` equal to its name): the same into a scratch database beside it,
// and only when that is complete and checked, a swap: the original stops taking connections, its
// sessions end, it is renamed away, the copy takes its name, and the original is dropped. Any
// failure before the swap drops the copy and leaves the original as it was; a failure during the
// swap renames the original back. A restore that fails never leaves a half-restored database.
//
// Globals (roles, tablespaces) are restored first, only when asked: psql runs the run's
// globals.sql; a role that already exists is reported, not fatal.
#pragma once

#include <string>

#include "supervisor/dumps/dump_manifest.h"
#include "supervisor/dumps/dump_run.h"
#include "supervisor/postgres/row_counts.h"

namespace pgbr {

struct DumpRestoreRequest {
  std::string id;        // the run
  std::string database;  // as named in the manifest
  std::string into;      // where to; equal to `database` replaces it
  bool globals = false;
  JobTrigger trigger = JobTrigger::kApi;
};

// The name a restore takes by default: "<database>_<YYYYMMDD>_<HHMMSS>" of the run's start, cut
// so it fits Postgres' 63 bytes (never inside a UTF-8 character).
std::string defaultRestoreName(const std::string& database, const std::string& id);

// Tables whose count differs from the manifest (or that are missing or unexpected), one line
// each: "public.t: 10 rows, the dump holds 11". Empty when the check passes.
std::vector<std::string> compareTables(const std::vector<DumpTable>& expected,
                                       const DatabaseRows& found);

JobOutcome runDumpRestore(JobContext& ctx, const DumpJobParts& parts, const DumpManifest& manifest,
                          const DumpRestoreRequest& request);

}  // namespace pgbr
