// The rules that say whether WAL archiving keeps up, on made-up readings.
#include "supervisor/monitor/archive_health.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

const WallTime kNow{std::chrono::seconds(1'795'000'000)};

PostgresStatus archived(int seconds_ago) {
  PostgresStatus pg;
  pg.ok = true;
  pg.archiver.last_archived_wal = "000000010000000000000007";
  pg.archiver.last_archived_time = kNow - Seconds(seconds_ago);
  pg.archiver.archived_count = 7;
  return pg;
}

ArchiveQueue waiting(int64_t count, std::optional<int> oldest_s) {
  ArchiveQueue q;
  q.ok = true;
  q.ready_count = count;
  if (oldest_s) q.oldest_age = Seconds(*oldest_s);
  return q;
}

TEST(ArchiveHealth, HealthyWhenNothingWaitsLong) {
  auto h = evaluateArchiveHealth(archived(10), waiting(1, 20), true, Seconds(300), kNow);
  EXPECT_TRUE(h.known);
  EXPECT_TRUE(h.healthy);
  EXPECT_EQ(h.message, "archiving is healthy");
  EXPECT_EQ(h.checked_at, kNow);
}

TEST(ArchiveHealth, OldWaitingSegmentIsFailing) {
  auto h = evaluateArchiveHealth(archived(10), waiting(3, 301), true, Seconds(300), kNow);
  EXPECT_FALSE(h.healthy);
  EXPECT_EQ(h.message, "archiving is failing: 3 WAL segment(s) waiting, oldest 301 s");
}

TEST(ArchiveHealth, FailureAfterTheLastSuccessIsFailing) {
  PostgresStatus pg = archived(60);
  pg.archiver.last_failed_wal = "000000010000000000000008";
  pg.archiver.last_failed_time = kNow - Seconds(5);
  auto h = evaluateArchiveHealth(pg, waiting(1, 400), true, Seconds(300), kNow);
  EXPECT_FALSE(h.healthy);
  EXPECT_EQ(h.message,
            "archiving is failing: 1 WAL segment(s) waiting, oldest 400 s; the last archive "
            "attempt failed (000000010000000000000008)");
  // A failure followed by a success is history.
  pg.archiver.last_failed_time = kNow - Seconds(120);
  EXPECT_TRUE(evaluateArchiveHealth(pg, waiting(0, {}), true, Seconds(300), kNow).healthy);
}

TEST(ArchiveHealth, NothingArchivedYetOrPostgresDown) {
  PostgresStatus fresh;
  fresh.ok = true;
  EXPECT_EQ(evaluateArchiveHealth(fresh, waiting(0, {}), true, Seconds(300), kNow).message,
            "no WAL segment archived yet");
  auto down = evaluateArchiveHealth(PostgresStatus{}, waiting(0, {}), false, Seconds(300), kNow);
  EXPECT_EQ(down.message, "unknown while postgres is stopped");
  EXPECT_EQ(down.state, "unknown");
  EXPECT_TRUE(down.known);  // the folder was read
  EXPECT_FALSE(
      evaluateArchiveHealth(PostgresStatus{}, ArchiveQueue{}, false, Seconds(300), kNow).known);
}

}  // namespace
}  // namespace pgbr
