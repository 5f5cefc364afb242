// The status row and the archive queue, without a server: a fake directory listing stands in
// for pg_wal/archive_status.
#include "supervisor/postgres/status.h"

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class FakeLister final : public DirLister {
 public:
  std::optional<std::vector<DirEntryInfo>> list(const fs::path& dir,
                                                std::string* error) const override {
    listed = dir;
    if (fail) {
      *error = "cannot list " + dir.string() + ": Permission denied";
      return std::nullopt;
    }
    return entries;
  }
  std::vector<DirEntryInfo> entries;
  bool fail = false;
  mutable fs::path listed;
};

WallTime at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

TEST(ScanArchiveStatus, CountsReadyFilesAndAgesTheOldest) {
  FakeLister lister;
  lister.entries = {
      {"000000010000000000000003.ready", at("2026-01-01T10:02:00Z")},
      {"000000010000000000000001.done", at("2026-01-01T09:00:00Z")},  // archived already
      {"000000010000000000000002.ready", at("2026-01-01T10:01:00Z")},
      {"00000002.history.ready", at("2026-01-01T10:03:00Z")},
      {".ready", at("2026-01-01T08:00:00Z")},  // not a WAL file
  };
  ArchiveQueue queue = scanArchiveStatus(lister, "/pgdata", at("2026-01-01T10:06:00Z"));
  EXPECT_EQ(lister.listed, fs::path("/pgdata/pg_wal/archive_status"));
  ASSERT_TRUE(queue.ok) << queue.error;
  EXPECT_EQ(queue.ready_count, 3);
  EXPECT_EQ(queue.oldest_ready, "000000010000000000000002");
  ASSERT_TRUE(queue.oldest_age);
  EXPECT_EQ(*queue.oldest_age, seconds(300));
}

TEST(ScanArchiveStatus, EmptyQueueHasNoAge) {
  FakeLister lister;
  lister.entries = {{"000000010000000000000001.done", at("2026-01-01T09:00:00Z")}};
  ArchiveQueue queue = scanArchiveStatus(lister, "/pgdata", at("2026-01-01T10:00:00Z"));
  ASSERT_TRUE(queue.ok);
  EXPECT_EQ(queue.ready_count, 0);
  EXPECT_FALSE(queue.oldest_age);
  EXPECT_EQ(queue.oldest_ready, "");
}

TEST(ScanArchiveStatus, SameMtimePicksTheLowerSegment) {
  FakeLister lister;
  const WallTime t = at("2026-01-01T10:00:00Z");
  lister.entries = {{"000000010000000000000009.ready", t}, {"000000010000000000000008.ready", t}};
  ArchiveQueue queue = scanArchiveStatus(lister, "/pgdata", t + seconds(1));
  EXPECT_EQ(queue.oldest_ready, "000000010000000000000008");
}

TEST(ScanArchiveStatus, MtimeInTheFutureCountsAsZeroAge) {
  FakeLister lister;
  lister.entries = {{"000000010000000000000001.ready", at("2026-01-01T10:00:10Z")}};
  ArchiveQueue queue = scanArchiveStatus(lister, "/pgdata", at("2026-01-01T10:00:00Z"));
  ASSERT_TRUE(queue.oldest_age);
  EXPECT_EQ(*queue.oldest_age, seconds(0));
}

TEST(ScanArchiveStatus, UnreadableFolderIsAnError) {
  FakeLister lister;
  lister.fail = true;
  ArchiveQueue queue = scanArchiveStatus(lister, "/pgdata", at("2026-01-01T10:00:00Z"));
  EXPECT_FALSE(queue.ok);
  EXPECT_EQ(queue.error, "cannot list /pgdata/pg_wal/archive_status: Permission denied");
}

TEST(RealDirLister, ListsRegularFilesWithTheirMtime) {
  testing::TempDir dir;
  const auto file = dir.write("pg_wal/archive_status/000000010000000000000001.ready", "");
  fs::create_directories(dir.path() / "pg_wal/archive_status/sub.ready");
  const WallTime mtime = at("2026-01-01T10:00:00Z");
  fs::last_write_time(file, std::chrono::file_clock::from_sys(mtime));
  ArchiveQueue queue = scanArchiveStatus(dir.path(), mtime + seconds(42));
  ASSERT_TRUE(queue.ok) << queue.error;
  EXPECT_EQ(queue.ready_count, 1);
  EXPECT_EQ(*queue.oldest_age, seconds(42));

  ArchiveQueue missing = scanArchiveStatus(dir.path() / "nope", mtime);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("cannot list"), std::string::npos);
}

TEST(ParseStatusRow, ReadsEveryColumn) {
  std::vector<std::optional<std::string>> row = {"f",
                                                 "3",
                                                 "15.4 (Debian 15.4-1)",
                                                 "150004",
                                                 "7301234567890123456",
                                                 "42",
                                                 "000000010000000000000007",
                                                 "1767261600.5",
                                                 "2",
                                                 "000000010000000000000005",
                                                 std::nullopt,
                                                 "1767261000",
                                                 "0000000300000000000000A1",
                                                 std::nullopt};
  PostgresStatus status = parseStatusRow(row);
  ASSERT_TRUE(status.ok) << status.error;
  EXPECT_FALSE(status.in_recovery);
  EXPECT_EQ(status.connections, 3);
  EXPECT_EQ(status.server_version, "15.4 (Debian 15.4-1)");
  EXPECT_EQ(status.server_version_num, 150004);
  // Above 2^53: kept exact.
  EXPECT_EQ(status.system_identifier, "7301234567890123456");
  EXPECT_EQ(status.archiver.archived_count, 42);
  EXPECT_EQ(status.archiver.last_archived_wal, "000000010000000000000007");
  ASSERT_TRUE(status.archiver.last_archived_time);
  EXPECT_EQ(formatRfc3339Millis(*status.archiver.last_archived_time), "2026-01-01T10:00:00.500Z");
  EXPECT_EQ(status.archiver.failed_count, 2);
  EXPECT_EQ(status.archiver.last_failed_wal, "000000010000000000000005");
  EXPECT_FALSE(status.archiver.last_failed_time);
  ASSERT_TRUE(status.archiver.stats_reset);
  EXPECT_EQ(formatRfc3339(*status.archiver.stats_reset), "2026-01-01T09:50:00Z");
  EXPECT_EQ(status.timeline, 3u);
  EXPECT_EQ(status.wal_receiver, "");  // a primary has none
}

TEST(ParseStatusRow, RecoveryAndNulls) {
  std::vector<std::optional<std::string>> row(14, std::nullopt);
  row[0] = "t";
  row[13] = "streaming";
  PostgresStatus status = parseStatusRow(row);
  ASSERT_TRUE(status.ok);
  EXPECT_TRUE(status.in_recovery);
  EXPECT_EQ(status.wal_receiver, "streaming");
  EXPECT_EQ(status.timeline, 0u);  // no WAL written during recovery
  EXPECT_EQ(status.archiver.last_archived_wal, "");
  EXPECT_FALSE(status.archiver.last_archived_time);
}

TEST(ParseStatusRow, WrongShapeIsAnError) {
  PostgresStatus status = parseStatusRow({"t"});
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.error.find("1 columns"), std::string::npos);
}

TEST(WalTimeline, IsTheFirstEightHexDigitsOfASegmentName) {
  EXPECT_EQ(walTimeline("000000010000000000000001"), 1u);
  EXPECT_EQ(walTimeline("0000001A00000002000000FE"), 26u);
  EXPECT_EQ(walTimeline("FFFFFFFF0000000000000001"), 0xFFFFFFFFu);
  EXPECT_EQ(walTimeline(""), 0u);
  EXPECT_EQ(walTimeline("00000002"), 0u);  // too short to be a segment
  EXPECT_EQ(walTimeline("0000000x0000000000000001"), 0u);
}

TEST(ParseEpochSeconds, RejectsGarbage) {
  EXPECT_FALSE(parseEpochSeconds(std::nullopt));
  EXPECT_FALSE(parseEpochSeconds(std::string("")));
  EXPECT_FALSE(parseEpochSeconds(std::string("12x")));
  EXPECT_TRUE(parseEpochSeconds(std::string("0")));
}

TEST(PostgresStatusReader, UnreachableServerIsAValueNotAnException) {
  testing::TempDir dir;  // an empty socket directory: nothing listens there
  ConnParams params;
  params.socket_dir = dir.path().string();
  params.port = 5999;
  PostgresStatusReader reader(params);
  PostgresStatus status = reader.read();
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.error.find("cannot connect to postgres"), std::string::npos) << status.error;
}

}  // namespace
}  // namespace pgbr
