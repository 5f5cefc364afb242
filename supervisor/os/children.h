// The table of children the supervisor started. Exactly one place reaps (the signal loop calls
// reapAndDispatch on SIGCHLD), so whoever started a child learns how it ended through this table:
// a callback run in the loop thread, or waitExit() from a worker thread. Spawn and registration
// happen under one lock, so an exit can never be reaped before its pid is known. Exits of pids
// nobody registered are orphans re-parented to PID 1 (pgBackRest's async archive-push daemon,
// double-forking scripts): reaped and counted, nothing more.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/os/process_ops.h"

namespace pgbr {

class Children {
 public:
  using ExitCallback = std::function<void(const ExitEvent&)>;

  explicit Children(ProcessOps& ops) : ops_(ops) {}
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  SpawnResult spawn(const SpawnSpec& spec, ExitCallback on_exit = nullptr);
  void reapAndDispatch();
  // For children spawned without a callback. nullopt on timeout (the child still runs).
  std::optional<ExitStatus> waitExit(pid_t pid, Millis timeout);
  bool signalGroup(pid_t pgid, int sig) { return ops_.signalGroup(pgid, sig); }
  bool signalProcess(pid_t pid, int sig) { return ops_.signalProcess(pid, sig); }
  uint64_t orphansReaped() const { return orphans_.load(); }
  size_t running() const;

 private:
  struct Entry {
    ExitCallback on_exit;
    std::optional<ExitStatus> status;
  };
  ProcessOps& ops_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<pid_t, Entry> entries_;
  std::atomic<uint64_t> orphans_{0};
};

// Runs a command to completion from a worker thread: streams its output into `sink` (if any) and
// keeps the last lines, stops it in declared steps on cancel or timeout (SIGTERM to its group,
// then SIGKILL after `kill_grace`), and never leaves a zombie: the loop reaps it.
struct RunOptions {
  Millis timeout{0};  // 0: none
  Millis kill_grace{5000};
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(std::string_view line)> on_line;  // each output line, as it arrives
  size_t keep_lines = 200;
};

struct RunResult {
  bool started = false;
  std::string spawn_error;
  ExitStatus status;
  bool cancelled = false;
  bool timed_out = false;
  std::vector<std::string> last_lines;
  bool success() const { return started && !cancelled && !timed_out && status.success(); }
};

RunResult runCommand(Children& children, const SpawnSpec& spec, LogSink* sink,
                     const RunOptions& options = {});

}  // namespace pgbr
