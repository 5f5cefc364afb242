// The drill's files (supervisor/drill/drill_store.h): reports survive a restart, an interrupted
// drill reads as failed, row counts of expired backups are dropped, ids never escape the folder.
#include "supervisor/drill/drill_store.h"

#include <gtest/gtest.h>

#include "tests/unit/schedule/tz_env.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using testing::at;

DrillReport report(const char* id, DrillResult result, const char* started) {
  DrillReport r;
  r.id = id;
  r.result = result;
  r.started_at = at(started);
  r.finished_at = r.started_at + Seconds(60);
  r.set = "20261122-101500F";
  return r;
}

TEST(DrillStore, ReportsSurviveARestartNewestFirst) {
  testing::TempDir dir;
  {
    DrillStore store(dir.path(), 10);
    EXPECT_EQ(store.saveReport(report("a", DrillResult::kPassed, "2026-11-22T10:00:00Z")), "");
    EXPECT_EQ(store.saveReport(report("b", DrillResult::kFailed, "2026-11-23T10:00:00Z")), "");
    EXPECT_EQ(store.saveReport(report("c", DrillResult::kCancelled, "2026-11-24T10:00:00Z")), "");
  }
  DrillStore store(dir.path(), 10);
  EXPECT_TRUE(store.load().empty());
  const auto list = store.summaries(10);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "c");
  EXPECT_EQ(store.lastFinished()->id, "b");  // a cancelled drill proves nothing either way
  EXPECT_EQ(store.lastSuccess(), at("2026-11-22T10:01:00Z"));
  EXPECT_TRUE(store.report("a").has_value());
  EXPECT_FALSE(store.report("../a").has_value());
}

TEST(DrillStore, ADrillRunningWhenTheSupervisorDiedReadsAsInterrupted) {
  testing::TempDir dir;
  DrillReport running = report("r", DrillResult::kRunning, "2026-11-22T10:00:00Z");
  running.finished_at.reset();
  DrillStore(dir.path(), 10).saveReport(running);
  DrillStore store(dir.path(), 10);
  store.load();
  ASSERT_TRUE(store.lastFinished());
  EXPECT_EQ(store.lastFinished()->result, DrillResult::kFailed);
  EXPECT_NE(store.lastFinished()->reason.find("interrupted"), std::string::npos);
  ASSERT_TRUE(store.report("r"));
  EXPECT_EQ(store.report("r")->result, DrillResult::kFailed);
}

TEST(DrillStore, KeepsOnlyTheNewestReports) {
  testing::TempDir dir;
  DrillStore store(dir.path(), 2);
  store.saveReport(report("a", DrillResult::kPassed, "2026-11-22T10:00:00Z"));
  store.saveReport(report("b", DrillResult::kPassed, "2026-11-23T10:00:00Z"));
  store.saveReport(report("c", DrillResult::kPassed, "2026-11-24T10:00:00Z"));
  EXPECT_EQ(store.summaries(10).size(), 2u);
  EXPECT_FALSE(store.report("a").has_value());
}

TEST(DrillStore, RowCountsOfExpiredBackupsAreDropped) {
  testing::TempDir dir;
  DrillStore store(dir.path(), 10);
  RowCountRecord old_one{"20261101-101500F", at("2026-11-01T10:00:00Z"), {}};
  RowCountRecord kept{"20261122-101500F", at("2026-11-22T10:00:00Z"), {{"app", {}, {}}}};
  EXPECT_EQ(store.saveCounts(old_one), "");
  EXPECT_EQ(store.saveCounts(kept), "");
  store.keepCountsOf({"20261122-101500F"});
  EXPECT_FALSE(store.counts("20261101-101500F").has_value());
  ASSERT_TRUE(store.counts("20261122-101500F").has_value());
  EXPECT_EQ(store.counts("20261122-101500F")->databases.at(0).name, "app");
}

TEST(DrillStore, SafeFileStems) {
  EXPECT_TRUE(safeFileStem("20261122T101500Z-a3f0-0001"));
  EXPECT_TRUE(safeFileStem("20261122-101500F_20261123-101500I"));
  EXPECT_FALSE(safeFileStem("../etc/passwd"));
  EXPECT_FALSE(safeFileStem(".hidden"));
  EXPECT_FALSE(safeFileStem(""));
  EXPECT_FALSE(safeFileStem("a/b"));
}

}  // namespace
}  // namespace pgbr
