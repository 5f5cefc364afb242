// Moving a Postgres client's data between a child process and the store: pg_dump's stdout into a
// new object, an object into pg_restore's (or psql's) stdin, with the SHA-256 of the plain bytes
// computed on the way (OpenSSL's EVP), and the client's command line for the job log. Shared by
// the dump run and the restore.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/os/children.h"
#include "supervisor/os/piped_command.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

// A failed job's outcome with its one-line message.
JobOutcome failedJob(std::string message);

// Incremental SHA-256 as lowercase hex.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // once, at the end

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A libpq connection string naming one database (any name: spaces, quotes, '=' and non-ASCII
// letters are quoted, so a client never reads the name as options).
std::string databaseConnString(const std::string& database);

// A client of the supervised server (pg_dump, pg_dumpall, pg_restore, psql) from PGBR_PG_BINDIR,
// connecting over the server's socket as the initial superuser, never asking for a password.
SpawnSpec clientSpec(const Settings& settings, const std::string& program,
                     std::vector<std::string> args);

struct StreamedFile {
  uint64_t size = 0;
  std::string sha256;
};

// Runs `spec` with its stdout streamed into a new object `key`; the object appears only when the
// client succeeded. Returns "" or one line naming what failed (the client's last lines are in
// the job log).
std::string runIntoStore(JobContext& ctx, Children& children, const SpawnSpec& spec,
                         ObjectStore& store, const std::string& key, StreamedFile* made);

// Runs `spec` with object `key` streamed into its stdin; fails when the bytes read do not have
// `expected_sha256` (when given) or the client fails. `last_lines` gets the client's last lines.
std::string runFromStore(JobContext& ctx, Children& children, const SpawnSpec& spec,
                         ObjectStore& store, const std::string& key,
                         const std::string& expected_sha256,
                         std::vector<std::string>* last_lines = nullptr);

}  // namespace pgbr
