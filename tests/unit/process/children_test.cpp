// The children table with a fake ProcessOps: exits reach callbacks or waiters, orphans are counted.
#include "supervisor/os/children.h"

#include <gtest/gtest.h>

#include "tests/support/fake_process_ops.h"

namespace pgbr {
namespace {

SpawnSpec specOf(std::vector<std::string> argv) {
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.capture_output = false;
  return spec;
}

TEST(Children, ExitReachesWaiter) {
  testing::FakeProcessOps ops;
  Children children(ops);
  SpawnResult r = children.spawn(specOf({"true"}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(children.waitExit(r.pid, Millis(0)).has_value());
  EXPECT_EQ(children.running(), 1u);
  ops.finish(r.pid, ExitStatus::exitedWith(3));
  children.reapAndDispatch();
  auto status = children.waitExit(r.pid, Millis(0));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), 3);
  EXPECT_EQ(children.running(), 0u);
}

TEST(Children, ExitReachesCallbackAndOrphansAreCounted) {
  testing::FakeProcessOps ops;
  Children children(ops);
  std::optional<ExitEvent> seen;
  SpawnResult r = children.spawn(specOf({"x"}), [&](const ExitEvent& ev) { seen = ev; });
  ops.finish(r.pid, ExitStatus::killedBy(9));
  ops.finish(99999, ExitStatus::exitedWith(0));
  children.reapAndDispatch();
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->status.signaled());
  EXPECT_EQ(seen->status.shellCode(), 137);
  EXPECT_EQ(children.orphansReaped(), 1u);
}

TEST(ExitStatus, Describes) {
  EXPECT_EQ(ExitStatus::exitedWith(2).describe(), "exited with code 2");
  EXPECT_EQ(ExitStatus::killedBy(9).describe(), "killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(ExitStatus::exitedWith(0).success());
  EXPECT_FALSE(ExitStatus::killedBy(15).success());
}

}  // namespace
}  // namespace pgbr
