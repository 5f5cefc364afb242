// The API's worker pool: grows only when every worker is busy, stops at its size, lets extra
// workers go after an idle spell, and finishes what is queued when it shuts down.
#include "api/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using api::WorkerPool;
using api::WorkerPoolOptions;

// Tasks that block until released, counting how many started and finished.
class Gate {
 public:
  std::function<void()> task() {
    return [this] {
      std::unique_lock lock(mutex_);
      ++started_;
      open_cv_.wait(lock, [this] { return open_; });
      ++finished_;
    };
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    open_cv_.notify_all();
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  int finished() {
    std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable open_cv_;
  bool open_ = false;
  int started_ = 0;
  int finished_ = 0;
};

WorkerPoolOptions options(size_t max, size_t idle, Millis idle_timeout = Millis(60000)) {
  return WorkerPoolOptions{max, idle, idle_timeout};
}

TEST(WorkerPool, RefusesUnusableSizes) {
  EXPECT_THROW(WorkerPool(options(0, 0)), std::invalid_argument);
  EXPECT_THROW(WorkerPool(options(2, 3)), std::invalid_argument);
}

TEST(WorkerPool, StartsNoThreadUntilThereIsWork) {
  WorkerPool pool(options(8, 2));
  EXPECT_EQ(pool.stats().threads, 0u);
}

TEST(WorkerPool, AWaitingWorkerTakesTheNextTaskInsteadOfANewThread) {
  WorkerPool pool(options(8, 2));
  std::atomic<int> done{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] { ++done; });
    ASSERT_TRUE(eventually([&] { return done == i + 1 && pool.stats().idle == 1; }));
  }
  EXPECT_EQ(pool.stats().threads, 1u);
  EXPECT_EQ(pool.stats().peak, 1u);
}

TEST(WorkerPool, GrowsWhileEveryWorkerIsBusy) {
  WorkerPool pool(options(8, 2));
  Gate gate;
  for (int i = 0; i < 5; ++i) pool.enqueue(gate.task());
  ASSERT_TRUE(eventually([&] { return gate.started() == 5; }));
  EXPECT_EQ(pool.stats().threads, 5u);
  EXPECT_EQ(pool.stats().queued, 0u);
  gate.open();
  ASSERT_TRUE(eventually([&] { return gate.finished() == 5; }));
}

TEST(WorkerPool, AtItsSizeTasksWaitForAFreeWorker) {
  WorkerPool pool(options(2, 1));
  Gate gate;
  for (int i = 0; i < 5; ++i) pool.enqueue(gate.task());
  ASSERT_TRUE(eventually([&] { return gate.started() == 2; }));
  EXPECT_EQ(pool.stats().threads, 2u);
  EXPECT_EQ(pool.stats().queued, 3u);
  gate.open();
  ASSERT_TRUE(eventually([&] { return gate.finished() == 5; }));
  EXPECT_EQ(pool.stats().peak, 2u);
}

TEST(WorkerPool, ExtraWorkersLeaveAfterAnIdleSpellDownToTheIdleCount) {
  WorkerPool pool(options(8, 1, Millis(30)));
  Gate gate;
  for (int i = 0; i < 4; ++i) pool.enqueue(gate.task());
  ASSERT_TRUE(eventually([&] { return gate.started() == 4; }));
  gate.open();
  ASSERT_TRUE(eventually([&] { return pool.stats().threads == 1; }));
  // The one kept still serves, and the pool grows again when it must.
  std::atomic<int> done{0};
  pool.enqueue([&] { ++done; });
  ASSERT_TRUE(eventually([&] { return done == 1; }));
  Gate again;
  for (int i = 0; i < 3; ++i) pool.enqueue(again.task());
  ASSERT_TRUE(eventually([&] { return again.started() == 3; }));
  EXPECT_EQ(pool.stats().threads, 3u);
  again.open();
}

TEST(WorkerPool, AThrowingTaskDoesNotTakeItsWorkerDown) {
  WorkerPool pool(options(1, 1));
  pool.enqueue([] { throw std::runtime_error("boom"); });
  std::atomic<bool> ran{false};
  pool.enqueue([&] { ran = true; });
  ASSERT_TRUE(eventually([&] { return ran.load(); }));
  EXPECT_EQ(pool.stats().threads, 1u);
}

TEST(WorkerPool, ShutdownRunsWhatIsQueuedThenRefusesMore) {
  Gate gate;
  std::atomic<int> done{0};
  {
    WorkerPool pool(options(1, 1));
    pool.enqueue(gate.task());
    for (int i = 0; i < 3; ++i) pool.enqueue([&] { ++done; });
    ASSERT_TRUE(eventually([&] { return gate.started() == 1; }));
    EXPECT_EQ(pool.stats().queued, 3u);
    std::thread release([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      gate.open();
    });
    pool.shutdown();
    release.join();
    EXPECT_EQ(done, 3);
    EXPECT_EQ(pool.stats().threads, 0u);
    pool.enqueue([&] { done += 100; });
    pool.shutdown();  // again: nothing to do
  }
  EXPECT_EQ(done, 3);
}

}  // namespace
}  // namespace pgbr::testing
