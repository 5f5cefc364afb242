// The free-space rule before a scratch copy (supervisor/drill/free_space.h).
#include "supervisor/drill/free_space.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

constexpr uint64_t kMiB = 1024ULL * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

TEST(FreeSpace, FitsWithHeadroomAndReserve) {
  // 10 GiB of data: needs 11 GiB; a 100 GiB disk keeps 5 GiB free: 16 GiB is enough.
  const SpaceDecision d = decideSpace({10 * kGiB, 16 * kGiB, 100 * kGiB}, "/drill");
  EXPECT_TRUE(d.ok) << d.reason;
  EXPECT_EQ(d.needed_bytes, 11 * kGiB);
  EXPECT_EQ(d.reserve_bytes, 5 * kGiB);
}

TEST(FreeSpace, RefusedWhenTheReserveWouldBeEatenWithTheReason) {
  const SpaceDecision d = decideSpace({10 * kGiB, 15 * kGiB, 100 * kGiB}, "/var/lib/drill");
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.reason.find("not enough free space at /var/lib/drill"), std::string::npos);
  EXPECT_NE(d.reason.find("11.0 GiB"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("PGBR_DRILL_DIR"), std::string::npos) << d.reason;
}

TEST(FreeSpace, RefusedWhenTheCopyAloneDoesNotFit) {
  EXPECT_FALSE(decideSpace({10 * kGiB, 9 * kGiB, 100 * kGiB}, "/d").ok);
}

TEST(FreeSpace, SmallDatabasesStillNeedTheMinimums) {
  // 1 MiB of data: 256 MiB headroom, and 1 GiB reserve on a small disk.
  EXPECT_FALSE(decideSpace({kMiB, kGiB, 4 * kGiB}, "/d").ok);
  const SpaceDecision d = decideSpace({kMiB, 2 * kGiB, 4 * kGiB}, "/d");
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(d.needed_bytes, kMiB + 256 * kMiB);
  EXPECT_EQ(d.reserve_bytes, kGiB);
}

TEST(FreeSpace, HumanBytes) {
  EXPECT_EQ(humanBytes(512), "512 B");
  EXPECT_EQ(humanBytes(1536), "1.5 KiB");
  EXPECT_EQ(humanBytes(300 * kMiB), "300 MiB");
  EXPECT_EQ(humanBytes(11 * kGiB), "11.0 GiB");
}

}  // namespace
}  // namespace pgbr
