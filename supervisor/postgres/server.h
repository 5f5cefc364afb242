// The long-lived Postgres server: the command the supervisor spawns for it, and what Postgres
// leaves on disk about itself (postmaster.pid while it runs, the control file's cluster state
// after it ends).
//
// Policy for the command: `postgres -D PGDATA <the user's arguments>` and nothing that changes
// their meaning. The supervisor connects to the port and Unix socket directory in Settings; when
// the user's arguments do not name them (they came from PGPORT or the defaults), they are added
// after the user's arguments so Postgres listens exactly where the supervisor knocks. A port set
// only in postgresql.conf is therefore overridden: set it with PGPORT or -c port=N instead.
// Postgres gets the supervisor's environment plus every PGBACKREST_* variable, so the
// archive-push it runs sees the same repository settings as the supervisor's own jobs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"

namespace pgbr {

// pg_bindir, or Settings' default (the Debian path of PostgreSQL 15) when it is empty, so a
// hand-built Settings value cannot turn "postgres" into "/postgres".
std::string pgBindir(const Settings& settings);
// <pgBindir>/<name>.
std::string pgBinary(const Settings& settings, std::string_view name);

// Whether the arguments for `postgres` set the port (-p N, -pN, -c port=N, --port=N) or the
// socket directories (-k DIR, -c unix_socket_directories=..., --unix-socket-directories=...).
bool argsSetPort(const std::vector<std::string>& args);
bool argsSetSocketDir(const std::vector<std::string>& args);

// One directory as a unix_socket_directories value: that setting is a comma-separated list, so
// a directory holding a comma, a space or a double quote is double-quoted ("" for ").
std::string socketDirectoriesValue(const std::string& dir);

SpawnSpec postmasterSpec(const Settings& settings, std::vector<std::string> env);

// postmaster.pid, which Postgres keeps in the data directory while it runs: pid, data
// directory, start time, port, first socket directory, first listen address, shared memory
// key, and (Postgres 10+) a status word: "starting", "stopping", "ready" or "standby".
struct PostmasterPid {
  int64_t pid = 0;
  std::string data_dir;
  int64_t start_epoch = 0;
  int port = 0;
  std::string socket_dir;
  std::string listen_address;
  std::string status;  // "" while Postgres has not written it yet
};
std::optional<PostmasterPid> parsePostmasterPid(std::string_view text);
std::optional<PostmasterPid> readPostmasterPid(const std::filesystem::path& pgdata);
// Just the status word; nullopt when there is no postmaster.pid (Postgres is not running, or
// ended cleanly).
std::optional<std::string> readPostmasterPidState(const std::filesystem::path& pgdata);
// What `pg_ctl -w start` waits for: the postmaster.pid of the postmaster with this pid says
// "ready", which Postgres writes once it accepts connections (read-only ones during a hot
// standby's recovery), in the same step as its log line "ready to accept connections". The pid
// must match: a postmaster killed with SIGKILL leaves its file behind saying "ready" until the
// next one overwrites it. "standby" (a standby without hot_standby) accepts no connections.
bool postmasterReady(const std::optional<PostmasterPid>& pid_file, int64_t postmaster_pid);

// "Database cluster state" from pg_controldata output ("shut down", "in production", ...).
std::optional<std::string> parseClusterState(std::string_view pg_controldata_output);
// "shut down" and "shut down in recovery" (a standby stopped cleanly) need no crash recovery.
bool isCleanShutdownState(std::string_view state);

struct ClusterState {
  std::string state;  // as pg_controldata prints it
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
  bool cleanShutdown() const { return ok() && isCleanShutdownState(state); }
};
// Runs `pg_controldata -D PGDATA` (with LC_ALL=C: the labels are translated otherwise) to
// completion from the calling thread; the loop reaps it.
ClusterState readClusterState(Children& children, const Settings& settings,
                              std::vector<std::string> env);

}  // namespace pgbr
