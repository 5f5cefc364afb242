// The supervised-process state machine, driven by a fake clock and a fake ProcessOps: every edge
// of states.h, backoff growth, FATAL after quick exits, and the stop escalation.
#include "supervisor/process/supervised_process.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/fake_process_ops.h"

namespace pgbr {
namespace {

SpawnSpec specOf(std::vector<std::string> argv) {
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.capture_output = false;
  return spec;
}

using testing::FakeClock;
using testing::FakeProcessOps;

class SupervisedProcessTest : public ::testing::Test {
 protected:
  SupervisedProcessTest()
      : children_(ops_), sink_("postgres", ""), process_(makeOptions(), children_, clock_, sink_) {
    process_.setTransitionHook([this](const std::string&, ProcessState from, ProcessState to,
                                      const std::string&) { edges_.emplace_back(from, to); });
  }

  ProcessOptions makeOptions() {
    ProcessOptions o;
    o.name = "postgres";
    o.make_spec = [] { return specOf({"postgres", "-D", "/data"}); };
    o.ready_probe = [this](int pid) {
      probed_pids_.push_back(pid);
      return ready_;
    };
    o.restart_limit = 3;
    o.quick_exit_window = Millis(10'000);
    o.backoff_initial = Millis(1000);
    o.backoff_max = Millis(4000);
    o.stop_timeout = Millis(8000);
    o.kill_timeout = Millis(2000);
    return o;
  }

  // The loop's pass: reap, then tick.
  void pass() {
    children_.reapAndDispatch();
    process_.tick();
  }

  void exitNow(int code) {
    ops_.finish(ops_.lastPid(), ExitStatus::exitedWith(code));
    pass();
  }

  FakeProcessOps ops_;
  FakeClock clock_;
  Children children_;
  LogSink sink_;
  bool ready_ = false;
  std::vector<int> probed_pids_;  // declared before process_, whose probe fills it
  SupervisedProcess process_;
  std::vector<std::pair<ProcessState, ProcessState>> edges_;
};

TEST_F(SupervisedProcessTest, StartsAndBecomesRunningWhenReady) {
  EXPECT_EQ(process_.start(), "");
  EXPECT_EQ(process_.state(), ProcessState::kStarting);
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kStarting) << "not ready yet";
  ready_ = true;
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kRunning);
  EXPECT_EQ(process_.snapshot().pid, ops_.lastPid());
  EXPECT_NE(process_.start(), "") << "a second start is refused";
}

TEST_F(SupervisedProcessTest, TheProbeIsToldThePidOfTheRunItProbes) {
  process_.start();
  pass();
  const pid_t first = ops_.lastPid();
  exitNow(1);  // quick exit: BACKOFF, then a new run with a new pid
  clock_.advance(Millis(1000));
  pass();
  ASSERT_EQ(process_.state(), ProcessState::kStarting);
  const pid_t second = ops_.lastPid();
  ASSERT_NE(first, second);
  pass();
  ASSERT_GE(probed_pids_.size(), 2u);
  EXPECT_EQ(probed_pids_.front(), first);
  EXPECT_EQ(probed_pids_.back(), second);
}

TEST_F(SupervisedProcessTest, LongRunThenExitRestartsAtOnceWithoutBackoff) {
  ready_ = true;
  process_.start();
  pass();
  clock_.advance(Millis(60'000));
  exitNow(1);
  // RUNNING -> EXITED happened in the reap, EXITED -> STARTING in the same tick.
  EXPECT_EQ(process_.state(), ProcessState::kStarting);
  EXPECT_EQ(ops_.spawnCount(), 2u);
  EXPECT_EQ(process_.snapshot().restarts, 1);
  EXPECT_EQ(process_.snapshot().last_exit, "exited with code 1");
  ASSERT_GE(edges_.size(), 4u);
  EXPECT_EQ(edges_[2], std::make_pair(ProcessState::kRunning, ProcessState::kExited));
  EXPECT_EQ(edges_[3], std::make_pair(ProcessState::kExited, ProcessState::kStarting));
}

TEST_F(SupervisedProcessTest, QuickExitsBackOffWithGrowingDelayThenFatal) {
  process_.start();
  exitNow(1);  // exit while STARTING: quick exit 1
  EXPECT_EQ(process_.state(), ProcessState::kBackoff);
  clock_.advance(Millis(999));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kBackoff) << "1 s backoff not over";
  clock_.advance(Millis(1));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kStarting);

  exitNow(1);  // quick exit 2: delay 2 s
  clock_.advance(Millis(1999));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kBackoff);
  clock_.advance(Millis(1));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kStarting);

  exitNow(1);  // quick exit 3 == limit -> FATAL
  EXPECT_EQ(process_.state(), ProcessState::kFatal);
  EXPECT_EQ(ops_.spawnCount(), 3u);
  clock_.advance(Millis(60'000));
  pass();
  EXPECT_EQ(ops_.spawnCount(), 3u) << "FATAL never restarts by itself";
  EXPECT_EQ(process_.start(), "") << "an explicit start leaves FATAL";
  EXPECT_EQ(process_.state(), ProcessState::kStarting);
}

TEST_F(SupervisedProcessTest, BackoffIsCappedAtMaximum) {
  ProcessOptions o = makeOptions();
  o.restart_limit = 100;
  Children children(ops_);
  SupervisedProcess p(o, children, clock_, sink_);
  p.start();
  for (int i = 0; i < 5; ++i) {
    ops_.finish(ops_.lastPid(), ExitStatus::exitedWith(1));
    children.reapAndDispatch();
    p.tick();
    ASSERT_EQ(p.state(), ProcessState::kBackoff);
    clock_.advance(Millis(4000));  // the cap: 1, 2, 4, 4, 4 s
    p.tick();
    ASSERT_EQ(p.state(), ProcessState::kStarting) << "attempt " << i;
  }
}

TEST_F(SupervisedProcessTest, QuickExitAfterRunningCountsTowardFatal) {
  ready_ = true;
  process_.start();
  pass();
  ASSERT_EQ(process_.state(), ProcessState::kRunning);
  clock_.advance(Millis(5000));  // shorter than the quick-exit window
  exitNow(137);
  EXPECT_EQ(process_.state(), ProcessState::kBackoff);
  EXPECT_EQ(process_.snapshot().quick_exits, 1);
}

TEST_F(SupervisedProcessTest, FastStopEscalatesToImmediateThenKill) {
  ready_ = true;
  process_.start();
  pass();
  const pid_t pid = ops_.lastPid();
  EXPECT_EQ(process_.stop(StopMode::kFast), "");
  EXPECT_EQ(process_.state(), ProcessState::kStopping);
  ASSERT_EQ(ops_.signals().size(), 1u);
  EXPECT_EQ(ops_.signals()[0].sig, sig::kInt);
  EXPECT_EQ(ops_.signals()[0].pid, pid);
  EXPECT_FALSE(ops_.signals()[0].group) << "only the postmaster gets the stop signal";

  clock_.advance(Millis(7999));
  pass();
  EXPECT_EQ(ops_.signals().size(), 1u);
  clock_.advance(Millis(1));
  pass();
  ASSERT_EQ(ops_.signals().size(), 2u);
  EXPECT_EQ(ops_.signals()[1].sig, sig::kQuit);
  clock_.advance(Millis(2000));
  pass();
  ASSERT_GE(ops_.signals().size(), 3u);
  EXPECT_EQ(ops_.signals().back().sig, sig::kKill);

  ops_.finish(pid, ExitStatus::killedBy(9));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kStopped);
  EXPECT_EQ(process_.snapshot().last_exit_code, 137);
  clock_.advance(Millis(60'000));
  pass();
  EXPECT_EQ(ops_.spawnCount(), 1u) << "a stopped process stays stopped";
}

TEST_F(SupervisedProcessTest, StopWhileBackoffGoesStraightToStopped) {
  process_.start();
  exitNow(1);
  ASSERT_EQ(process_.state(), ProcessState::kBackoff);
  process_.stop();
  EXPECT_EQ(process_.state(), ProcessState::kStopped);
  EXPECT_TRUE(ops_.signals().empty());
}

TEST_F(SupervisedProcessTest, RestartStopsThenStartsAgain) {
  ready_ = true;
  process_.start();
  pass();
  EXPECT_EQ(process_.restart(), "");
  EXPECT_EQ(process_.state(), ProcessState::kStopping);
  ops_.finish(ops_.lastPid(), ExitStatus::exitedWith(0));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kRunning);
  EXPECT_EQ(ops_.spawnCount(), 2u);
}

TEST_F(SupervisedProcessTest, SpawnFailureIsAQuickExit) {
  ops_.failNextSpawn();
  process_.start();
  EXPECT_EQ(process_.state(), ProcessState::kBackoff);
  EXPECT_NE(process_.snapshot().last_exit.find("could not start"), std::string::npos);
}

TEST_F(SupervisedProcessTest, StaleExitOfAnEarlierRunIsIgnored) {
  ready_ = true;
  process_.start();
  pass();
  const pid_t first = ops_.lastPid();
  process_.restart();
  ops_.finish(first, ExitStatus::exitedWith(0));
  pass();
  ASSERT_EQ(process_.state(), ProcessState::kRunning);
  const pid_t second = ops_.lastPid();
  EXPECT_NE(first, second);
  // An unknown pid (an orphan) exiting changes nothing and is counted.
  ops_.finish(4242, ExitStatus::exitedWith(0));
  pass();
  EXPECT_EQ(process_.state(), ProcessState::kRunning);
  EXPECT_EQ(children_.orphansReaped(), 1u);
}

TEST(ProcessStates, NamesRoundTrip) {
  for (auto s : {ProcessState::kStopped, ProcessState::kStarting, ProcessState::kRunning,
                 ProcessState::kBackoff, ProcessState::kStopping, ProcessState::kExited,
                 ProcessState::kFatal}) {
    auto parsed = parseProcessState(toString(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_FALSE(parseProcessState("RUNNIN").has_value());
}

}  // namespace
}  // namespace pgbr
