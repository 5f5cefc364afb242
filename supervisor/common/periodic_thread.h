// A thread of its own that calls `work` every `interval`, and at once when poked, until stopped.
// For a capability's background reads (the replication state), so the loop and the API only
// ever read a copy.
//
// Policy: `work` runs on that thread only, never twice at once; stop() waits for a running call
// to return (so `work` must not block for long) and is idempotent; the destructor stops.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "supervisor/common/clock.h"

namespace pgbr {

class PeriodicThread {
 public:
  PeriodicThread(Millis interval, std::function<void()> work);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // The next call comes now rather than at the end of the interval.
  void poke();
  void stop();

 private:
  void loop();

  const Millis interval_;
  const std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;     // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // last: it starts once everything above exists
};

}  // namespace pgbr
