// The newest archived WAL's time from `pgbackrest repo-ls --output=json` (2.45's shape, captured
// from a real repository).
#include "supervisor/backrest/repo_ls.h"

#include <gtest/gtest.h>

namespace pgbr::backrest {
namespace {

TEST(RepoLs, WalLocationIsTheSegmentsFolderAndAFilter) {
  auto at = walLocation("main", "15-1", "000000010000000A000000FF");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->path, "archive/main/15-1/000000010000000A");
  EXPECT_EQ(at->filter, "^000000010000000A000000FF");
  EXPECT_FALSE(walLocation("main", "15-1", "000000010000000A000000F"));
  EXPECT_FALSE(walLocation("main", "15-1", "000000010000000a000000ff"));
  EXPECT_FALSE(walLocation("main", "../x", "000000010000000A000000FF"));
  EXPECT_FALSE(walLocation("", "15-1", "000000010000000A000000FF"));
}

TEST(RepoLs, NewestFileTime) {
  const char* listing =
      R"({".":{"type":"path"},"000000010000000000000001-8ffd584f973b2e406b5e64ceaae3b244db728164.gz":)"
      R"({"type":"file","size":1396460,"time":1796495157},)"
      R"("000000010000000000000002-cb4aaedbe3ad393109ed2fcaa0369caa62180829.gz":)"
      R"({"type":"file","size":44123,"time":1796495160}})";
  auto time = newestFileTime(listing);
  ASSERT_TRUE(time);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(time->time_since_epoch()).count(),
            1796495160);
  EXPECT_FALSE(newestFileTime("{}"));
  EXPECT_FALSE(newestFileTime(R"({".":{"type":"path"}})"));
  EXPECT_FALSE(newestFileTime("WARN: unable to open log file"));
  EXPECT_FALSE(newestFileTime(R"({"x":{"type":"file","time":"soon"}})"));
}

}  // namespace
}  // namespace pgbr::backrest
