// The API's workers: a task queue for httplib that starts threads only when every running one is
// busy and lets the extra ones go after an idle spell.
//
// httplib gives each connection one worker for its whole life, and a keep-alive connection holds
// its worker between requests, so the pool must be as large as the number of connections served
// at once (wrk with 64 connections, a browser's six, each open log follow). A fixed pool that
// large would keep dozens of idle threads, and their stacks, around a supervisor that is idle
// almost all the time; this one keeps `idle_threads` and grows to `max_threads` under load.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

#include "api/httplib_compat.h"
#include "supervisor/common/clock.h"

namespace pgbr::api {

struct WorkerPoolOptions {
  size_t max_threads = 64;     // beyond this, connections wait in the queue for a free worker
  size_t idle_threads = 2;     // kept when there is nothing to do
  Millis idle_timeout{10000};  // an extra worker with nothing to do for this long exits
};

class WorkerPool final : public httplib::TaskQueue {
 public:
  // Throws std::invalid_argument when max_threads is 0 or idle_threads exceeds it.
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool() override;  // shuts down if shutdown() was not called
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `fn` on an idle worker, on a new one when none is idle and the pool may grow, or later
  // when the pool is at its size. After shutdown() the task is dropped and false returned.
  bool submit(std::function<void()> fn);
  // httplib's hook: submit(), with the answer where httplib's version asks for one.
  httplib_compat::EnqueueResult enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every worker. Idempotent.
  void shutdown() override;

  struct Stats {
    size_t threads = 0;  // running workers
    size_t idle = 0;     // of them, waiting for work
    size_t queued = 0;   // tasks waiting for a worker
    size_t peak = 0;     // most workers ever running at once
  };
  Stats stats() const;

 private:
  void work();
  void joinFinished();  // caller holds no lock

  const WorkerPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::list<std::thread> threads_;
  std::vector<std::thread::id> finished_;  // workers that left after an idle spell, to join
  size_t running_ = 0;
  size_t idle_ = 0;
  size_t peak_ = 0;
  bool stopping_ = false;
};

}  // namespace pgbr::api
