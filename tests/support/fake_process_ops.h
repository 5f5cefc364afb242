// ProcessOps without processes: spawn hands out pids and records the spec, signals are recorded,
// and the test decides when a child "exits" (finish), which the next reap() reports.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/os/process_ops.h"

namespace pgbr::testing {

class FakeProcessOps final : public ProcessOps {
 public:
  struct Signal {
    pid_t pid;
    int sig;
    bool group;
  };

  SpawnResult spawn(const SpawnSpec& spec) override {
    std::lock_guard lock(mutex_);
    SpawnResult r;
    if (fail_next_spawn_) {
      fail_next_spawn_ = false;
      r.error = spec.argv.empty() ? "empty" : spec.argv[0] + ": No such file or directory";
      return r;
    }
    r.pid = next_pid_++;
    spawned_.push_back(spec);
    alive_[r.pid] = true;
    last_pid_ = r.pid;
    return r;
  }
  bool signalProcess(pid_t pid, int sig) override {
    std::lock_guard lock(mutex_);
    signals_.push_back({pid, sig, false});
    return alive_.count(pid) && alive_[pid];
  }
  bool signalGroup(pid_t pgid, int sig) override {
    std::lock_guard lock(mutex_);
    signals_.push_back({pgid, sig, true});
    return alive_.count(pgid) && alive_[pgid];
  }
  std::vector<ExitEvent> reap() override {
    std::lock_guard lock(mutex_);
    auto out = std::move(pending_);
    pending_.clear();
    return out;
  }

  // Test controls.
  void finish(pid_t pid, ExitStatus status) {
    std::lock_guard lock(mutex_);
    alive_[pid] = false;
    pending_.push_back(ExitEvent{pid, status});
  }
  void failNextSpawn() {
    std::lock_guard lock(mutex_);
    fail_next_spawn_ = true;
  }
  pid_t lastPid() const {
    std::lock_guard lock(mutex_);
    return last_pid_;
  }
  size_t spawnCount() const {
    std::lock_guard lock(mutex_);
    return spawned_.size();
  }
  std::vector<Signal> signals() const {
    std::lock_guard lock(mutex_);
    return signals_;
  }
  std::vector<SpawnSpec> spawned() const {
    std::lock_guard lock(mutex_);
    return spawned_;
  }

 private:
  mutable std::mutex mutex_;
  pid_t next_pid_ = 1000;
  pid_t last_pid_ = 0;
  bool fail_next_spawn_ = false;
  std::vector<SpawnSpec> spawned_;
  std::map<pid_t, bool> alive_;
  std::vector<ExitEvent> pending_;
  std::vector<Signal> signals_;
};

}  // namespace pgbr::testing
