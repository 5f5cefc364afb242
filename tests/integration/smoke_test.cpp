// The harness itself against the real binary: start, ready, startup jobs, clean stop.
#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

TEST(Harness, StartsReadyAndStopsCleanly) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  auto pg = sup.connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  EXPECT_EQ(pg->value("select 1"), "1");
  auto code = sup.stop(SIGTERM, 15s);
  ASSERT_TRUE(code.has_value()) << "did not stop within 15 s";
  EXPECT_EQ(*code, 0) << sup.output();
}

}  // namespace
}  // namespace pgbr::it
