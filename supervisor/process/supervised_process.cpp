#include "supervisor/process/supervised_process.h"

#include <cassert>

#include <spdlog/spdlog.h>

namespace pgbr {

SupervisedProcess::SupervisedProcess(ProcessOptions options, Children& children, const Clock& clock,
                                     LogSink& sink)
    : options_(std::move(options)), children_(children), clock_(clock), sink_(sink) {}

SupervisedProcess::~SupervisedProcess() {
  std::lock_guard lock(mutex_);
  ++generation_;  // an exit arriving after destruction must not touch this object
}

void SupervisedProcess::setTransitionHook(TransitionHook hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

void SupervisedProcess::transitionLocked(ProcessState from, ProcessState to, std::string why) {
  assert(state_ == from && "transition must leave the state it names");
  (void)from;
  state_ = to;
  message_ = why;
  if (hook_) hook_(options_.name, from, to, why);
  cv_.notify_all();
}

void SupervisedProcess::spawnLocked() {
  ++generation_;
  const uint64_t generation = generation_;
  SpawnSpec spec = options_.make_spec();
  SpawnResult spawned =
      children_.spawn(spec, [this, generation](const ExitEvent& ev) { onExit(generation, ev); });
  started_mono_ = clock_.monotonic();
  started_wall_ = clock_.wall();
  warned_slow_start_ = false;
  if (!spawned.ok()) {
    // Counts as a quick exit: a binary that cannot be started will not start next time either.
    pid_ = 0;
    last_exit_ = "could not start: " + spawned.error;
    last_exit_code_ = 127;
    last_exit_at_ = clock_.wall();
    last_run_quick_ = true;
    ++quick_exits_;
    transitionLocked(ProcessState::kStarting, ProcessState::kBackoff, last_exit_);
    backoff_until_ = clock_.monotonic() + backoffDelayLocked();
    return;
  }
  pid_ = spawned.pid;
  pump_.reset();
  if (spawned.output.valid())
    pump_ = std::make_unique<OutputPump>(std::move(spawned.output), sink_);
}

std::string SupervisedProcess::start() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case ProcessState::kStarting:
    case ProcessState::kRunning:
      return options_.name + " is already " + std::string(toString(state_));
    case ProcessState::kStopping:
      // Edge STOPPING -> (STOPPED) -> STARTING: remembered and taken when the exit arrives.
      restart_after_stop_ = true;
      return {};
    case ProcessState::kStopped:
    case ProcessState::kExited:
    case ProcessState::kBackoff:
    case ProcessState::kFatal: {
      // Edge {STOPPED,EXITED,BACKOFF,FATAL} -> STARTING: an explicit start forgives past exits.
      quick_exits_ = 0;
      transitionLocked(state_, ProcessState::kStarting, "start requested");
      spawnLocked();
      return {};
    }
  }
  return {};
}

std::string SupervisedProcess::stop(StopMode mode) {
  std::lock_guard lock(mutex_);
  restart_after_stop_ = false;
  switch (state_) {
    case ProcessState::kStarting:
    case ProcessState::kRunning: {
      // Edge {STARTING,RUNNING} -> STOPPING.
      const int signal = mode == StopMode::kFast ? sig::kInt : sig::kQuit;
      children_.signalProcess(pid_, signal);
      stop_stage_ = mode == StopMode::kFast ? 0 : 1;
      stop_deadline_ = clock_.monotonic() +
                       (mode == StopMode::kFast ? options_.stop_timeout : options_.kill_timeout);
      transitionLocked(
          state_, ProcessState::kStopping,
          mode == StopMode::kFast ? "fast shutdown requested" : "immediate shutdown requested");
      return {};
    }
    case ProcessState::kStopping:
      if (mode == StopMode::kImmediate && stop_stage_ == 0) {
        children_.signalProcess(pid_, sig::kQuit);
        stop_stage_ = 1;
        stop_deadline_ = clock_.monotonic() + options_.kill_timeout;
      }
      return {};
    case ProcessState::kBackoff:
    case ProcessState::kExited:
    case ProcessState::kFatal:
      // Edge {BACKOFF,EXITED,FATAL} -> STOPPED: nothing runs, just stop trying.
      transitionLocked(state_, ProcessState::kStopped, "stop requested");
      return {};
    case ProcessState::kStopped:
      return {};
  }
  return {};
}

std::string SupervisedProcess::restart() {
  std::unique_lock lock(mutex_);
  if (state_ == ProcessState::kRunning || state_ == ProcessState::kStarting) {
    lock.unlock();
    std::string err = stop(StopMode::kFast);
    if (!err.empty()) return err;
    lock.lock();
    restart_after_stop_ = true;
    return {};
  }
  lock.unlock();
  return start();
}

bool SupervisedProcess::sendSignal(int signal) {
  std::lock_guard lock(mutex_);
  if (!hasProcess(state_) || pid_ <= 0) return false;
  return children_.signalProcess(pid_, signal);
}

Millis SupervisedProcess::backoffDelayLocked() const {
  Millis delay = options_.backoff_initial;
  for (int i = 1; i < quick_exits_ && delay < options_.backoff_max; ++i) delay *= 2;
  return std::min(delay, options_.backoff_max);
}

void SupervisedProcess::onExit(uint64_t generation, const ExitEvent& event) {
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;
  const MonoTime now = clock_.monotonic();
  const bool quick = now - started_mono_ < options_.quick_exit_window;
  pid_ = 0;
  last_exit_ = event.status.describe();
  last_exit_code_ = event.status.shellCode();
  last_exit_at_ = clock_.wall();
  started_wall_.reset();
  switch (state_) {
    case ProcessState::kStopping:
      // Edge STOPPING -> STOPPED.
      transitionLocked(ProcessState::kStopping, ProcessState::kStopped, "stopped: " + last_exit_);
      if (restart_after_stop_) {
        restart_after_stop_ = false;
        quick_exits_ = 0;
        // Edge STOPPED -> STARTING (restart).
        transitionLocked(ProcessState::kStopped, ProcessState::kStarting, "restart requested");
        spawnLocked();
      }
      return;
    case ProcessState::kStarting:
      // Edge STARTING -> BACKOFF: it never became ready.
      ++quick_exits_;
      last_run_quick_ = true;
      transitionLocked(ProcessState::kStarting, ProcessState::kBackoff,
                       "exited before it was ready: " + last_exit_);
      backoff_until_ = now + backoffDelayLocked();
      return;
    case ProcessState::kRunning:
      // Edge RUNNING -> EXITED; tick() decides between STARTING and BACKOFF/FATAL.
      last_run_quick_ = quick;
      quick_exits_ = quick ? quick_exits_ + 1 : 0;
      transitionLocked(ProcessState::kRunning, ProcessState::kExited,
                       "exited unexpectedly: " + last_exit_);
      if (quick) backoff_until_ = now + backoffDelayLocked();
      return;
    case ProcessState::kStopped:
    case ProcessState::kBackoff:
    case ProcessState::kExited:
    case ProcessState::kFatal:
      assert(false && "exit of a process that was not running");
      return;
  }
}

void SupervisedProcess::tick() {
  std::function<bool(int)> probe;
  uint64_t probing_generation = 0;
  int probing_pid = 0;
  {
    std::lock_guard lock(mutex_);
    const MonoTime now = clock_.monotonic();
    switch (state_) {
      case ProcessState::kStarting:
        if (!options_.ready_probe) {
          // Edge STARTING -> RUNNING: nothing to wait for.
          transitionLocked(ProcessState::kStarting, ProcessState::kRunning, "started");
          return;
        }
        probe = options_.ready_probe;
        probing_generation = generation_;
        probing_pid = pid_;
        if (!warned_slow_start_ && now - started_mono_ > options_.quick_exit_window) {
          warned_slow_start_ = true;
          spdlog::warn("{} is still starting after {} s (crash recovery can take a while)",
                       options_.name,
                       std::chrono::duration_cast<Seconds>(now - started_mono_).count());
        }
        break;
      case ProcessState::kExited:
        if (!options_.autorestart) return;
        if (quick_exits_ >= options_.restart_limit) {
          // Edge EXITED -> FATAL.
          transitionLocked(
              ProcessState::kExited, ProcessState::kFatal,
              "exited " + std::to_string(quick_exits_) +
                  " times in a row shortly after starting; giving up (last: " + last_exit_ + ")");
          return;
        }
        if (last_run_quick_) {
          // Edge EXITED -> BACKOFF.
          transitionLocked(ProcessState::kExited, ProcessState::kBackoff,
                           "exited soon after starting; waiting before the next start");
          return;
        }
        ++restarts_;
        // Edge EXITED -> STARTING: it ran long enough to deserve an immediate restart.
        transitionLocked(ProcessState::kExited, ProcessState::kStarting, "restarting after exit");
        spawnLocked();
        return;
      case ProcessState::kBackoff:
        if (quick_exits_ >= options_.restart_limit) {
          // Edge BACKOFF -> FATAL.
          transitionLocked(
              ProcessState::kBackoff, ProcessState::kFatal,
              "exited " + std::to_string(quick_exits_) +
                  " times in a row shortly after starting; giving up (last: " + last_exit_ + ")");
          return;
        }
        if (now >= backoff_until_) {
          ++restarts_;
          // Edge BACKOFF -> STARTING.
          transitionLocked(ProcessState::kBackoff, ProcessState::kStarting,
                           "retrying after backoff");
          spawnLocked();
        }
        return;
      case ProcessState::kStopping:
        if (now < stop_deadline_) return;
        if (stop_stage_ == 0) {
          spdlog::warn("{} did not stop within {} ms; asking for an immediate shutdown",
                       options_.name, options_.stop_timeout.count());
          children_.signalProcess(pid_, sig::kQuit);
          stop_stage_ = 1;
          stop_deadline_ = now + options_.kill_timeout;
        } else if (stop_stage_ == 1) {
          spdlog::warn("{} did not stop after an immediate shutdown request; killing it",
                       options_.name);
          children_.signalGroup(pid_, sig::kKill);
          children_.signalProcess(pid_, sig::kKill);
          stop_stage_ = 2;
          stop_deadline_ = now + options_.kill_timeout;
        }
        return;
      case ProcessState::kRunning:
      case ProcessState::kStopped:
      case ProcessState::kFatal:
        return;
    }
  }
  // The probe runs without the lock: it reads a file, and may one day do more.
  if (probe && probe(probing_pid)) {
    std::lock_guard lock(mutex_);
    if (state_ == ProcessState::kStarting && generation_ == probing_generation) {
      // Edge STARTING -> RUNNING.
      transitionLocked(ProcessState::kStarting, ProcessState::kRunning, "ready");
    }
  }
}

ProcessSnapshot SupervisedProcess::snapshot() const {
  std::lock_guard lock(mutex_);
  ProcessSnapshot s;
  s.name = options_.name;
  s.state = state_;
  s.pid = hasProcess(state_) ? pid_ : 0;
  s.started_at = started_wall_;
  if (hasProcess(state_))
    s.uptime = std::chrono::duration_cast<Millis>(clock_.monotonic() - started_mono_);
  s.restarts = restarts_;
  s.quick_exits = quick_exits_;
  s.last_exit = last_exit_;
  s.last_exit_code = last_exit_code_;
  s.last_exit_at = last_exit_at_;
  s.message = message_;
  return s;
}

ProcessState SupervisedProcess::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

ProcessState SupervisedProcess::waitFor(const std::function<bool(ProcessState)>& pred,
                                        Millis timeout) const {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return pred(state_); });
  return state_;
}

}  // namespace pgbr
