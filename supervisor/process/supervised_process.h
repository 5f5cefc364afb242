// One long-lived child under supervision (Postgres): started, watched for readiness, restarted
// with backoff when it exits, declared FATAL after too many quick exits, stopped in declared steps.
// The loop thread calls tick(); exits arrive through the Children table's callback; commands
// (start, stop, restart, signal) may come from any thread. Every transition asserts the state it
// leaves and names its edge (see states.h).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "supervisor/common/clock.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/os/children.h"
#include "supervisor/os/output_pump.h"
#include "supervisor/process/states.h"

namespace pgbr {

enum class StopMode {
  kFast,       // SIGINT to the postmaster: roll back open transactions, checkpoint, exit
  kImmediate,  // SIGQUIT: no checkpoint; the next start runs crash recovery
};

struct ProcessOptions {
  std::string name;
  std::function<SpawnSpec()> make_spec;  // rebuilt at every start
  // Given the pid of the process it probes; null: RUNNING as soon as spawned.
  std::function<bool(int pid)> ready_probe;
  Millis stop_timeout{8000};  // fast stop, then immediate, then SIGKILL
  Millis kill_timeout{2000};
  int restart_limit = 5;            // consecutive quick exits before FATAL
  Millis quick_exit_window{30000};  // a run shorter than this is a quick exit
  Millis backoff_initial{1000};
  Millis backoff_max{30000};
  bool autorestart = true;
};

struct ProcessSnapshot {
  std::string name;
  ProcessState state = ProcessState::kStopped;
  pid_t pid = 0;
  std::optional<WallTime> started_at;  // of the current run
  Millis uptime{0};
  int restarts = 0;                   // automatic restarts since the supervisor started
  int quick_exits = 0;                // consecutive, reset by a long run
  std::string last_exit;              // "exited with code 1", "killed by signal 9 (SIGKILL)"
  std::optional<int> last_exit_code;  // shell-style (128+signal)
  std::optional<WallTime> last_exit_at;
  std::string message;  // why it is in this state, for people
};

class SupervisedProcess {
 public:
  using TransitionHook = std::function<void(const std::string& name, ProcessState from,
                                            ProcessState to, const std::string& why)>;

  SupervisedProcess(ProcessOptions options, Children& children, const Clock& clock, LogSink& sink);
  SupervisedProcess(const SupervisedProcess&) = delete;
  SupervisedProcess& operator=(const SupervisedProcess&) = delete;
  ~SupervisedProcess();

  void setTransitionHook(TransitionHook hook);

  // Returns an empty string on success, else why not (lowercase, for the API).
  std::string start();
  std::string stop(StopMode mode = StopMode::kFast);
  std::string restart();
  bool sendSignal(int sig);

  void tick();
  ProcessSnapshot snapshot() const;
  ProcessState state() const;
  // Blocks until the state satisfies `pred` or the timeout passes; returns the last state seen.
  ProcessState waitFor(const std::function<bool(ProcessState)>& pred, Millis timeout) const;

 private:
  void transitionLocked(ProcessState from, ProcessState to, std::string why);
  void spawnLocked();
  void onExit(uint64_t generation, const ExitEvent& event);
  Millis backoffDelayLocked() const;

  ProcessOptions options_;
  Children& children_;
  const Clock& clock_;
  LogSink& sink_;
  TransitionHook hook_;

  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  ProcessState state_ = ProcessState::kStopped;
  pid_t pid_ = 0;
  uint64_t generation_ = 0;  // ignores exits of runs that are no longer current
  MonoTime started_mono_{};
  std::optional<WallTime> started_wall_;
  MonoTime backoff_until_{};
  MonoTime stop_deadline_{};
  int stop_stage_ = 0;  // 0 stop signal sent, 1 immediate sent, 2 SIGKILL sent
  bool restart_after_stop_ = false;
  bool last_run_quick_ = false;
  int restarts_ = 0;
  int quick_exits_ = 0;
  std::string last_exit_;
  std::optional<int> last_exit_code_;
  std::optional<WallTime> last_exit_at_;
  std::string message_;
  std::unique_ptr<OutputPump> pump_;
  bool warned_slow_start_ = false;
};

}  // namespace pgbr
