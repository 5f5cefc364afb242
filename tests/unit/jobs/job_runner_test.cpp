// The job runner with executors that are plain functions: one job at a time, the busy answer
// names the running job, progress/label/message reach the job, cancellation, the finished hook,
// and the log. Executors block on a latch the test opens; nothing sleeps.
#include "supervisor/jobs/job_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <latch>

#include "tests/support/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest() : store_(dir_.path(), 10), runner_(store_, clock_, LogSinkOptions{}) {
    store_.load(clock_.wall());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  JobStore store_;
  JobRunner runner_;
};

TEST_F(JobRunnerTest, RunsAJobToSuccessWithProgressAndLabel) {
  std::promise<void> finished;
  Job seen;
  runner_.setFinishedHook([&](const Job& j) {
    seen = j;
    finished.set_value();
  });
  auto submitted =
      runner_.submit(JobKind::kBackup, JobTrigger::kApi, {{"type", "full"}}, [](JobContext& ctx) {
        ctx.log().appendLine("backup file base/1/1 (8KB, 50.00%)");
        ctx.setProgress(50);
        ctx.setBackupLabel("20261122-101500F");
        return JobOutcome{JobState::kSucceeded, 0, "backup done", {}};
      });
  ASSERT_TRUE(std::holds_alternative<Job>(submitted));
  const Job job = std::get<Job>(submitted);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.params["type"], "full");
  finished.get_future().wait();
  EXPECT_EQ(seen.state, JobState::kSucceeded);
  EXPECT_EQ(seen.backup_label, "20261122-101500F");
  EXPECT_EQ(seen.progress, 100.0) << "a finished job with progress shows 100";
  EXPECT_EQ(seen.exit_code, 0);
  EXPECT_EQ(seen.message, "backup done");
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  auto stored = runner_.get(job.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state, JobState::kSucceeded);
  ASSERT_TRUE(stored->started_at && stored->finished_at);
  std::ifstream log(runner_.logPath(job.id));
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "backup file base/1/1 (8KB, 50.00%)");
}

TEST_F(JobRunnerTest, SecondRequestWhileOneRunsIsRefusedWithTheRunningJob) {
  std::latch release(1);
  std::latch started(1);
  auto first = runner_.submit(JobKind::kBackup, JobTrigger::kApi, {}, [&](JobContext&) {
    started.count_down();
    release.wait();
    return JobOutcome{JobState::kSucceeded, 0, "", {}};
  });
  ASSERT_TRUE(std::holds_alternative<Job>(first));
  started.wait();
  auto second = runner_.submit(JobKind::kExpire, JobTrigger::kSchedule, {}, [](JobContext&) {
    return JobOutcome{JobState::kSucceeded, 0, "", {}};
  });
  ASSERT_TRUE(std::holds_alternative<JobBusy>(second));
  EXPECT_EQ(std::get<JobBusy>(second).running.id, std::get<Job>(first).id);
  EXPECT_EQ(std::get<JobBusy>(second).running.state, JobState::kRunning);
  ASSERT_TRUE(runner_.running().has_value());
  release.count_down();
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  EXPECT_FALSE(runner_.running().has_value());
  // Free again: the next one runs.
  auto third = runner_.submit(JobKind::kCheck, JobTrigger::kApi, {}, [](JobContext&) {
    return JobOutcome{JobState::kSucceeded, 0, "", {}};
  });
  EXPECT_TRUE(std::holds_alternative<Job>(third));
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  EXPECT_EQ(runner_.list(10).size(), 2u) << "the refused request left no job behind";
}

TEST_F(JobRunnerTest, CancelReachesTheExecutorAndEndsCancelled) {
  std::latch started(1);
  auto submitted = runner_.submit(JobKind::kBackup, JobTrigger::kApi, {}, [&](JobContext& ctx) {
    started.count_down();
    while (!ctx.cancelRequested().load()) std::this_thread::yield();
    return JobOutcome{JobState::kFailed, 143, "terminated", {}};
  });
  const std::string id = std::get<Job>(submitted).id;
  started.wait();
  EXPECT_FALSE(runner_.cancel("no-such-job"));
  EXPECT_TRUE(runner_.cancel(id));
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  EXPECT_EQ(runner_.get(id)->state, JobState::kCancelled);
  EXPECT_FALSE(runner_.cancel(id)) << "a finished job cannot be cancelled";
}

TEST_F(JobRunnerTest, AnExecutorThatThrowsFailsTheJobWithTheReason) {
  auto submitted =
      runner_.submit(JobKind::kVerify, JobTrigger::kApi, {},
                     [](JobContext&) -> JobOutcome { throw std::runtime_error("boom"); });
  const std::string id = std::get<Job>(submitted).id;
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  EXPECT_EQ(runner_.get(id)->state, JobState::kFailed);
  EXPECT_NE(runner_.get(id)->message.find("boom"), std::string::npos);
}

TEST_F(JobRunnerTest, LiveLogIsAvailableOnlyWhileRunning) {
  std::latch release(1);
  std::latch started(1);
  auto submitted = runner_.submit(JobKind::kBackup, JobTrigger::kApi, {}, [&](JobContext& ctx) {
    ctx.log().appendLine("line one");
    started.count_down();
    release.wait();
    return JobOutcome{JobState::kSucceeded, 0, "", {}};
  });
  const std::string id = std::get<Job>(submitted).id;
  started.wait();
  auto live = runner_.liveLog(id);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->tail(10).back().text, "line one");
  release.count_down();
  ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  EXPECT_EQ(runner_.liveLog(id), nullptr);
  // A follower still holding the log is told of the end at once: without it this would wait
  // the whole hour for a line that never comes.
  EXPECT_EQ(live->waitForLines(live->lastSeq(), Millis(3'600'000)), live->lastSeq());
}

TEST_F(JobRunnerTest, ShutdownCancelsTheRunningJobAndRefusesNewOnes) {
  std::latch started(1);
  runner_.submit(JobKind::kBackup, JobTrigger::kApi, {}, [&](JobContext& ctx) {
    started.count_down();
    while (!ctx.cancelRequested().load()) std::this_thread::yield();
    return JobOutcome{JobState::kFailed, 143, "", {}};
  });
  started.wait();
  runner_.shutdown();
  EXPECT_FALSE(runner_.running().has_value());
  auto refused = runner_.submit(JobKind::kCheck, JobTrigger::kApi, {}, [](JobContext&) {
    return JobOutcome{JobState::kSucceeded, 0, "", {}};
  });
  EXPECT_TRUE(std::holds_alternative<JobBusy>(refused));
}

TEST_F(JobRunnerTest, IdsAreUniqueAndSortByCreation) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto s = runner_.submit(JobKind::kCheck, JobTrigger::kApi, {}, [](JobContext&) {
      return JobOutcome{JobState::kSucceeded, 0, "", {}};
    });
    ids.push_back(std::get<Job>(s).id);
    ASSERT_TRUE(runner_.waitIdle(Millis(10'000)));
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  auto listed = runner_.list(10);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, ids[2]) << "newest first";
}

}  // namespace
}  // namespace pgbr
