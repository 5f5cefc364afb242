// PeriodicThread: calls its work at once, again each interval and when poked, never after stop().
#include "supervisor/common/periodic_thread.h"

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

namespace pgbr {
namespace {

// Polls `done` for up to 10 s; a deadline, not a pause.
template <typename Done>
bool within10s(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(PeriodicThread, WorksAtOnceThenEachIntervalAndStops) {
  std::atomic<int> calls{0};
  PeriodicThread thread(Millis(5), [&] { ++calls; });
  EXPECT_TRUE(within10s([&] { return calls.load() >= 3; }));
  thread.stop();
  const int after_stop = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(calls.load(), after_stop);
  thread.stop();  // idempotent
}

TEST(PeriodicThread, APokeWakesItBeforeTheInterval) {
  std::atomic<int> calls{0};
  PeriodicThread thread(std::chrono::hours(1), [&] { ++calls; });
  ASSERT_TRUE(within10s([&] { return calls.load() == 1; }));
  thread.poke();
  EXPECT_TRUE(within10s([&] { return calls.load() == 2; }));
  thread.poke();
  EXPECT_TRUE(within10s([&] { return calls.load() == 3; }));
}

TEST(PeriodicThread, StopWaitsForARunningCallAndTheDestructorStops) {
  std::atomic<bool> inside{false};
  std::atomic<bool> finished{false};
  {
    PeriodicThread thread(std::chrono::hours(1), [&] {
      inside = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
    });
    ASSERT_TRUE(within10s([&] { return inside.load(); }));
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace pgbr
