// A scratch cluster: a backup restored into a folder of its own and started as a second Postgres
// beside the live one, to prove the backup restores (the drill) or to rehearse a restore with a
// recovery target before the live cluster is touched (the restore path).
//
// Policy, so the copy can never harm the live cluster:
// - Its data directory is `<root>/data`, never the live one; tablespaces are remapped into
//   `<root>/tblspc` (pgBackRest would otherwise restore them to the live cluster's paths) and
//   symlinks (a separate pg_wal) are restored as plain folders inside the copy.
// - It listens on no address (listen_addresses=''), only on a Unix socket in `<root>/sock`, a
//   folder nobody else uses, on a port other than the live one; archive_mode=off, and its
//   restore_command runs archive-get synchronously (an asynchronous archive-get would share the
//   spool and the archive lock with the live cluster's archive-push). It never writes to the
//   repository. The user's command-line arguments for the live Postgres are not passed (they
//   name the live port and files); the copy runs on the configuration restored with it plus the
//   overrides in scratchPostmasterArgv().
// - pgBackRest and the copy run under `nice -n 19` and `ionice -c 2 -n 7` (when present), so the
//   live database keeps the CPU and the disk first.
// - Only the sub-folders data/, sock/ and tblspc/ of the root are ever created or removed: the
//   root itself may hold other things. remove() (and the destructor) stops the copy and removes
//   them; cleanupScratch() does the same at start-up for whatever a killed supervisor left (the
//   copy found through its postmaster.pid, a restore still running found through /proc).
//
// Threads: one ScratchCluster is used from one thread (a job's); it blocks while it works.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/backrest/command.h"
#include "supervisor/backrest/runner.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"
#include "supervisor/drill/free_space.h"
#include "supervisor/os/children.h"
#include "supervisor/os/output_pump.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

// The folders of a scratch cluster under its root.
struct ScratchLayout {
  std::filesystem::path root;
  std::filesystem::path data() const { return root / "data"; }
  std::filesystem::path socketDir() const { return root / "sock"; }
  std::filesystem::path tablespaces() const { return root / "tblspc"; }
  // pgBackRest's spool for the restore into the copy: a restore empties the stanza's spool
  // folder, which with the live configuration would drop the live archive-push's queue.
  std::filesystem::path spool() const { return root / "spool"; }
};

struct ScratchOptions {
  std::filesystem::path root;  // absolute; see ScratchLayout
  int port = 0;                // 0: next to the live port (only names the socket file)
  Millis start_timeout{300000};
  bool low_priority = true;  // nice/ionice for pgBackRest, the copy and the checks
};

// The outcome of restore().
struct ScratchRestoreResult {
  bool ok = false;
  bool cancelled = false;
  std::string error;  // one line: pgBackRest's own error, or why it did not run
  Millis duration{0};
};

enum class ScratchState {
  kReady,      // accepts connections; recovery ended (or paused at the target with "pause")
  kExited,     // Postgres ended before that: `why` holds the log lines that say why
  kTimedOut,   // neither within start_timeout
  kCancelled,  // the cancel flag was raised
  kFailed,     // could not be started at all (no restored data, spawn failed)
};
std::string_view toString(ScratchState state);  // "ready", "exited", ...

// The outcome of start().
struct ScratchStartResult {
  ScratchState state = ScratchState::kFailed;
  Millis duration{0};  // from the spawn until ready (or until it ended)
  std::string reason;  // one line for people when not ready
  // The copy's log lines that explain the end: FATAL/PANIC lines and recovery's own verdict
  // ("recovery ended before configured recovery target was reached").
  std::vector<std::string> why;
  bool in_recovery = false;  // ready but paused at the target (target_action pause)
  bool ready() const { return state == ScratchState::kReady; }
};

class ScratchCluster {
 public:
  ScratchCluster(const Settings& settings, const Clock& clock, Children& children,
                 const BackrestRunner& backrest, ScratchOptions options);
  ScratchCluster(const ScratchCluster&) = delete;
  ScratchCluster& operator=(const ScratchCluster&) = delete;
  ~ScratchCluster();  // remove()

  const ScratchLayout& layout() const { return layout_; }
  int port() const { return port_; }

  // Is there room for a copy of a database of `database_bytes` (pgbackrest info's "size") at the
  // root? See free_space.h for the rule.
  SpaceDecision checkSpace(uint64_t database_bytes) const;

  // Removes what a previous copy at this root left, then runs `pgbackrest restore` of `what`
  // into <root>/data. `what` takes the words of the restore API: type "immediate" (stop as soon
  // as the backup is consistent), "set"/"delta" (replay to the end of the archive), or "time",
  // "lsn", "xid", "name" with `target` and `target_action`; `set` picks the backup (empty: the
  // latest). Its output goes to `log`; `progress` gets pgBackRest's percentage.
  ScratchRestoreResult restore(const backrest::RestoreOptions& what, LogSink& log,
                               const std::atomic<bool>& cancel,
                               const std::function<void(double)>& progress = {});

  // Starts the copy on the restored data and waits until it is consistent and accepts
  // connections (and its recovery ended, or paused at the target), or until it exits. The copy's
  // log lines go to `log` prefixed with "copy: ".
  ScratchStartResult start(LogSink& log, const std::atomic<bool>& cancel);

  // How to reach the running copy (its socket, port, the live cluster's superuser).
  ConnParams connParams(const std::string& dbname = "postgres") const;
  // Spawn spec for a client program of the Postgres bin folder run against the copy, under the
  // same priority as the copy (pg_amcheck, psql); PGPASSWORD set when the live cluster has one.
  SpawnSpec clientSpec(const std::string& program, std::vector<std::string> args) const;
  // The copy's most recent log lines.
  std::vector<std::string> copyLog(size_t lines) const;

  // Stops the copy (immediate shutdown, then SIGKILL). Returns "" or what went wrong.
  std::string stop();
  // stop(), then removes data/, sock/ and tblspc/ under the root. Returns "" or the problem.
  std::string remove();

 private:
  const Settings& settings_;
  const Clock& clock_;
  Children& children_;
  const BackrestRunner& backrest_;
  ScratchOptions options_;
  ScratchLayout layout_;
  int port_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
  std::unique_ptr<LogSink> copy_log_;
  std::unique_ptr<OutputPump> pump_;
};

// The argv pieces, pure so tests can read them.
// `pgbackrest ... --pg1-path=<root>/data --tablespace-map-all=<root>/tblspc --archive-mode=off
//  [--type/--target/--target-action/--set] restore` under nice/ionice (when `priority` is set).
std::optional<backrest::Argv> scratchRestoreArgv(const backrest::CommandContext& ctx,
                                                 const ScratchLayout& layout,
                                                 const backrest::RestoreOptions& what,
                                                 std::string* error);
// `postgres -D <root>/data -c port=... -c listen_addresses= -c unix_socket_directories=<sock>
//  -c archive_mode=off -c restore_command=<synchronous archive-get> ...`.
std::vector<std::string> scratchPostmasterArgv(const Settings& settings,
                                               const ScratchLayout& layout, int port);
// The port of the copy: the live port + 1 (or - 1 at the top of the range).
int scratchPort(int live_port);
// `nice -n 19 ionice -c 2 -n 7` (each only when found in /usr/bin or /bin) before `argv`.
std::vector<std::string> lowPriority(std::vector<std::string> argv);

// At supervisor start: stops a copy a killed supervisor left at `root` (its postmaster.pid names
// it; the pid is checked against /proc so a reused pid is never signalled), stops a pgBackRest
// restore or archive-get still writing into it, and removes the sub-folders. Returns one line per
// thing it did, for the log; `error` gets what it could not do.
std::vector<std::string> cleanupScratch(const std::filesystem::path& root, Children& children,
                                        std::string* error);

}  // namespace pgbr
