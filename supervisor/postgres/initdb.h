// First start on an empty data directory, done the way the stock postgres image's entrypoint
// does it, so an existing docker-compose file, its POSTGRES_* variables and its
// /docker-entrypoint-initdb.d scripts work unchanged:
//   initdb with POSTGRES_USER and POSTGRES_PASSWORD (POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR)
//   -> `host all all all <POSTGRES_HOST_AUTH_METHOD>` appended to pg_hba.conf when Postgres
//      listens beyond this machine (PGBR_PG_LISTEN; see host_access.h)
//   -> a temporary server reachable only through its Unix socket
//   -> POSTGRES_DB created
//   -> the init files, in byte order: *.sh run (executable) or sourced, *.sql, *.sql.gz|xz|zst
//      through psql -v ON_ERROR_STOP=1, anything else ignored
//   -> the temporary server stopped (SIGINT: fast shutdown).
//
// Policy: a data directory with a non-empty PG_VERSION is never initialised again (only
// pg_hba.conf may gain the rule for other hosts, when PGBR_PG_LISTEN was opened since), and one
// made by another major version than the binaries' is refused untouched (major_version.h). Without
// a password initialisation is refused unless the auth method is trust. Any failing step stops
// initialisation with one line naming the step or file and how it ended; the partial data
// directory stays where it is (the stock image leaves it too), and the message says so because
// the next start will skip initialisation. No shell ever sees user text: commands are argv
// vectors, and the one bash used for sourced scripts gets fixed text with the file path as an
// argument. The cancel flag stops whatever child runs, and the temporary server with it.
//
// The steps live beside this file: shell_words.h splits POSTGRES_INITDB_ARGS, init_files.h lists
// the init files and builds the command for each, temp_server.h runs the temporary server.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"
#include "supervisor/postgres/temp_server.h"

namespace pgbr {

// True when <pgdata>/PG_VERSION exists and is not empty (the stock image's test).
bool dataDirectoryInitialized(const std::filesystem::path& pgdata);

// "" unless `pgdata` exists and belongs to another user than this process's: Postgres must own
// its data directory, and initdb or a restore would fail there halfway. The usual cause is a
// volume mounted at PGDATA itself as a non-root user (Kubernetes' fsGroup leaves its top folder
// owned by root); the fix named is a folder inside it.
std::string dataDirectoryOwnerProblem(const std::filesystem::path& pgdata);

// "" when initialisation may proceed, else the one-line refusal (no password, method not trust).
std::string checkInitSettings(const PostgresInitSettings& init);

// The environment of init scripts, psql and the decompressors: `base` plus what the stock image
// exports (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA, PGPASSWORD unless already set)
// and PGHOST/PGPORT so a plain `psql` reaches the temporary server; the bin directory goes first
// in PATH so `psql` is the server's version. PGHOSTADDR and the *_FILE variables are dropped.
std::vector<std::string> initScriptEnvironment(const Settings& settings,
                                               const std::string& socket_dir,
                                               std::vector<std::string> base);

enum class InitOutcome { kInitialized, kSkipped, kFailed };

struct InitResult {
  InitOutcome outcome = InitOutcome::kFailed;
  std::string error;  // one lowercase line when kFailed
  bool ok() const { return outcome != InitOutcome::kFailed; }
};

class Initializer {
 public:
  // `env` is the environment children start from (normally currentEnvironment()). Output of
  // every child and the initializer's own progress lines ("running /docker-entrypoint-initdb.d/
  // x.sql", warnings) go to `log`, whose line hook may echo them to stdout as the stock image
  // prints them. `server` defaults to libpq.
  Initializer(const Settings& settings, Children& children, LogSink& log,
              std::vector<std::string> env, ServerAccess* server = nullptr);
  Initializer(const Initializer&) = delete;
  Initializer& operator=(const Initializer&) = delete;

  // Blocks until done; run it from a worker thread while the loop reaps.
  InitResult run(const std::atomic<bool>& cancel);

 private:
  void note(const std::string& line);
  void warn(const std::string& line);
  InitResult fail(const std::string& what) const;
  std::string runStep(const std::string& what, const SpawnSpec& spec,
                      const std::atomic<bool>& cancel);
  std::string processInitFile(const std::filesystem::path& file, const std::filesystem::path& tmp,
                              const std::atomic<bool>& cancel);

  const Settings& settings_;
  Children& children_;
  LogSink& log_;
  std::vector<std::string> env_;
  LibpqServerAccess libpq_;
  ServerAccess& server_;
  std::string socket_dir_;
  std::vector<std::string> script_env_;
};

}  // namespace pgbr
