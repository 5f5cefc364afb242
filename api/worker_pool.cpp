#include "api/worker_pool.h"

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

namespace pgbr::api {

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(options) {
  if (options_.max_threads == 0) throw std::invalid_argument("the api needs at least one worker");
  if (options_.idle_threads > options_.max_threads) {
    throw std::invalid_argument("the api keeps more idle workers than it may run");
  }
}

WorkerPool::~WorkerPool() {
  shutdown();
}

httplib_compat::EnqueueResult WorkerPool::enqueue(std::function<void()> fn) {
  return httplib_compat::enqueueResult(submit(std::move(fn)));
}

bool WorkerPool::submit(std::function<void()> fn) {
  joinFinished();
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  tasks_.push_back(std::move(fn));
  // Every waiting worker takes one task; a worker woken but not yet running still counts as
  // idle and its task is still queued, so the two counts stay comparable.
  if (idle_ >= tasks_.size()) {
    wake_.notify_one();
    return true;
  }
  if (running_ >= options_.max_threads) return true;  // the next worker to finish takes it
  try {
    threads_.emplace_back([this] { work(); });
    ++running_;
    peak_ = std::max(peak_, running_);
  } catch (const std::system_error& e) {
    // Out of threads: the task waits for a running worker, if there is one.
    spdlog::warn("api: cannot start another worker ({}); {} connection(s) wait", e.what(),
                 tasks_.size());
  }
  return true;
}

void WorkerPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool woken = wake_.wait_for(lock, options_.idle_timeout,
                                      [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) {
      if (stopping_) break;
      if (!woken && running_ > options_.idle_threads) break;
      continue;
    }
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      // httplib's tasks catch their own errors; a stray one must not take the worker down.
      spdlog::error("api: a connection's worker failed: {}", e.what());
    } catch (...) {
      spdlog::error("api: a connection's worker failed with an unknown exception");
    }
    lock.lock();
  }
  --running_;
  finished_.push_back(std::this_thread::get_id());
}

void WorkerPool::joinFinished() {
  std::list<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    if (finished_.empty()) return;
    for (auto it = threads_.begin(); it != threads_.end();) {
      auto next = std::next(it);
      if (std::find(finished_.begin(), finished_.end(), it->get_id()) != finished_.end()) {
        done.splice(done.end(), threads_, it);
      }
      it = next;
    }
    finished_.clear();
  }
  for (auto& thread : done) thread.join();  // each has left work() and only returns now
}

void WorkerPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  std::list<std::thread> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(threads_);
  }
  for (auto& thread : all) thread.join();
  std::lock_guard lock(mutex_);
  tasks_.clear();  // only left when no worker could be started at all
  finished_.clear();
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{running_, idle_, tasks_.size(), peak_};
}

}  // namespace pgbr::api
