// The drill's verdict on row counts and on the whole drill (supervisor/drill/drill_report.h):
// each table status from recorded counts, recorded activity and the live activity, and what
// fails a drill.
#include "supervisor/drill/drill_report.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

TableMods mods(int64_t ins, int64_t del, const char* filenode = "16384") {
  return {ins, del, filenode};
}

TableRows table(uint32_t oid, const char* name, std::optional<int64_t> rows) {
  TableRows t;
  t.oid = oid;
  t.schema = "public";
  t.name = name;
  t.rows = rows;
  return t;
}

TableRows recorded(uint32_t oid, const char* name, int64_t rows, TableMods before,
                   TableMods after) {
  TableRows t = table(oid, name, rows);
  t.before = before;
  t.after = after;
  return t;
}

RowCountRecord record(std::vector<TableRows> tables, const char* db = "app") {
  RowCountRecord r;
  r.label = "20261122-101500F";
  r.databases.push_back({db, std::move(tables), {}});
  return r;
}

std::vector<DatabaseRows> copyOf(std::vector<TableRows> tables, const char* db = "app") {
  return {{db, std::move(tables), {}}};
}

TableVerdict only(const CountComparison& c) {
  EXPECT_EQ(c.databases.size(), 1u);
  EXPECT_EQ(c.databases[0].tables.size(), 1u);
  return c.databases.at(0).tables.at(0).verdict;
}

TEST(CompareCounts, SameCountIsEqual) {
  const auto c = compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}),
                               copyOf({table(1, "t", 10)}), {});
  EXPECT_EQ(only(c), TableVerdict::kEqual);
  EXPECT_TRUE(c.failures.empty());
  EXPECT_EQ(c.equal, 1);
  EXPECT_TRUE(c.recorded);
}

TEST(CompareCounts, UntouchedTableWithOtherCountFails) {
  const auto c = compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}),
                               copyOf({table(1, "t", 9)}), {{"app", {{1, mods(10, 0)}}}});
  EXPECT_EQ(only(c), TableVerdict::kMismatch);
  ASSERT_EQ(c.failures.size(), 1u);
  EXPECT_NE(c.failures[0].find("app: public.t is mismatch"), std::string::npos) << c.failures[0];
}

TEST(CompareCounts, WithoutLiveActivityAnUntouchedMismatchStillFails) {
  const auto c = compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}),
                               copyOf({table(1, "t", 9)}), {});
  EXPECT_EQ(only(c), TableVerdict::kMismatch);
}

TEST(CompareCounts, WrittenDuringTheBackupIsNotAFailure) {
  for (TableMods after : {mods(12, 0), mods(10, 1), mods(10, 0, "99999")}) {
    const auto c = compareCounts(record({recorded(1, "t", 12, mods(10, 0), after)}),
                                 copyOf({table(1, "t", 11)}), {});
    EXPECT_EQ(only(c), TableVerdict::kChangedDuringBackup);
    EXPECT_TRUE(c.failures.empty());
  }
}

TEST(CompareCounts, CreatedDuringTheBackupHasNoBeforeActivity) {
  TableRows t = table(1, "t", 5);
  t.after = mods(5, 0);
  auto c = compareCounts(record({t}), copyOf({table(1, "t", 3)}), {});
  EXPECT_EQ(only(c), TableVerdict::kChangedDuringBackup);
  // Absent from the copy: created after the backup began, so not a loss.
  c = compareCounts(record({t}), copyOf({}), {});
  EXPECT_EQ(only(c), TableVerdict::kCreatedDuringBackup);
  EXPECT_TRUE(c.failures.empty());
}

TEST(CompareCounts, LateStatisticsShowAsWrittenAfterTheBackup) {
  const auto c = compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}),
                               copyOf({table(1, "t", 9)}), {{"app", {{1, mods(11, 0)}}}});
  EXPECT_EQ(only(c), TableVerdict::kWrittenAfterBackup);
  EXPECT_TRUE(c.failures.empty());
}

TEST(CompareCounts, RecordedTableMissingFromTheCopyFails) {
  const auto c =
      compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}), copyOf({}), {});
  EXPECT_EQ(only(c), TableVerdict::kMissing);
  EXPECT_EQ(c.failures.size(), 1u);
}

TEST(CompareCounts, UnreadableTableFailsWithItsError) {
  TableRows broken = table(1, "t", std::nullopt);
  broken.error = "could not read block 0 in file \"base/5/16384\"";
  const auto c =
      compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}), copyOf({broken}), {});
  EXPECT_EQ(only(c), TableVerdict::kUnreadable);
  ASSERT_EQ(c.failures.size(), 1u);
  EXPECT_NE(c.failures[0].find("could not read block"), std::string::npos);
}

TEST(CompareCounts, UnloggedTablesAreEmptyByDesign) {
  TableRows in_copy = table(1, "u", 0);
  in_copy.unlogged = true;
  const auto c = compareCounts(record({recorded(1, "u", 10, mods(10, 0), mods(10, 0))}),
                               copyOf({in_copy}), {});
  EXPECT_EQ(only(c), TableVerdict::kUnlogged);
  EXPECT_TRUE(c.failures.empty());
}

TEST(CompareCounts, WithoutRecordEveryTableIsNotRecorded) {
  const auto c = compareCounts(std::nullopt, copyOf({table(1, "t", 4)}), {});
  EXPECT_EQ(only(c), TableVerdict::kNotRecorded);
  EXPECT_FALSE(c.recorded);
  EXPECT_TRUE(c.failures.empty());
}

TEST(CompareCounts, RecordedDatabaseMissingFromTheCopyFails) {
  RowCountRecord r = record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}, "gone");
  const auto c = compareCounts(r, copyOf({table(1, "t", 10)}, "app"), {});
  ASSERT_EQ(c.failures.size(), 1u);
  EXPECT_NE(c.failures[0].find("gone"), std::string::npos);
}

TEST(CompareCounts, TablesAreMatchedByOidNotName) {
  // Renamed after the count: the same table (the oid survives a physical restore).
  const auto c = compareCounts(record({recorded(7, "old_name", 3, mods(3, 0), mods(3, 0))}),
                               copyOf({table(7, "new_name", 3)}), {});
  EXPECT_EQ(only(c), TableVerdict::kEqual);
}

DrillReport checked(int amcheck_exit, CountComparison counts = {}) {
  DrillReport r;
  r.set = "20261122-101500F";
  r.amcheck.ran = true;
  r.amcheck.exit_code = amcheck_exit;
  r.counts = std::move(counts);
  return r;
}

TEST(Decide, PassesWhenEverythingHolds) {
  DrillReport r = checked(0);
  decide(r);
  EXPECT_EQ(r.result, DrillResult::kPassed);
  EXPECT_TRUE(r.reason.empty());
}

TEST(Decide, AmcheckCorruptionFails) {
  DrillReport r = checked(2);
  r.amcheck.findings = {"heap table \"app.public.t\", block 0: invalid line pointer"};
  decide(r);
  EXPECT_EQ(r.result, DrillResult::kFailed);
  EXPECT_NE(r.reason.find("corruption"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("invalid line pointer"), std::string::npos) << r.reason;
}

TEST(Decide, AmcheckThatCouldNotRunFails) {
  DrillReport r;
  decide(r);
  EXPECT_EQ(r.result, DrillResult::kFailed);
  EXPECT_EQ(r.reason, "pg_amcheck did not run");
}

TEST(Decide, ATableFailureFailsTheDrill) {
  CountComparison c;
  c.failures = {"app: public.t is mismatch"};
  DrillReport r = checked(0, c);
  decide(r);
  EXPECT_EQ(r.result, DrillResult::kFailed);
  EXPECT_NE(r.reason.find("public.t"), std::string::npos);
}

TEST(Decide, AnEarlierReasonFailsAndIsKept) {
  DrillReport r = checked(0);
  r.reason = "the restore failed: [039]: invalid checksum";
  decide(r);
  EXPECT_EQ(r.result, DrillResult::kFailed);
  EXPECT_EQ(r.reason, "the restore failed: [039]: invalid checksum");
}

TEST(Decide, SkippedAndCancelledStayAsTheyAre) {
  for (DrillResult result : {DrillResult::kSkipped, DrillResult::kCancelled}) {
    DrillReport r;
    r.result = result;
    decide(r);
    EXPECT_EQ(r.result, result);
  }
}

TEST(DrillReportJson, RoundTripsWithTheReport) {
  DrillReport r = checked(0, compareCounts(record({recorded(1, "t", 10, mods(10, 0), mods(10, 0))}),
                                           copyOf({table(1, "t", 10)}), {}));
  r.id = "20261122T101500Z-a3f0-0001";
  r.restore_s = 41.2634;  // durations are shown to the millisecond
  r.ready_s = 3.0;
  decide(r);
  const nlohmann::json j = toJson(r);
  EXPECT_EQ(j["result"], "passed");
  EXPECT_DOUBLE_EQ(j["restore_s"].get<double>(), 41.263);
  EXPECT_DOUBLE_EQ(j["rto_s"].get<double>(), 44.263);
  EXPECT_EQ(j["report"]["databases"][0]["tables"][0]["status"], "equal");
  const auto back = drillReportFromJson(j);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->result, DrillResult::kPassed);
  EXPECT_EQ(back->counts.databases.at(0).tables.at(0).recorded, 10);
  EXPECT_EQ(back->set, r.set);
}

}  // namespace
}  // namespace pgbr
