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

// Postgres stops, and stays stopped for several checks: what it last said is kept (the archiver's
// figures and which database this is), and the state is "unknown" with the last judgement.
TEST(ArchiveHealth, WhilePostgresIsDownTheLastKnownFiguresStay) {
  PostgresStatus pg = archived(10);
  pg.server_version = "15.4";
  pg.server_version_num = 150004;
  pg.system_identifier = "7312345678901234567";
  ArchiveHealth up = evaluateArchiveHealth(pg, waiting(0, {}), true, Seconds(300), kNow);
  carryOverLastKnown(ArchiveHealth{}, &up);
  EXPECT_EQ(up.last_known_state, "healthy");
  EXPECT_EQ(up.last_known_at, kNow);

  ArchiveHealth previous = up;
  for (int check = 1; check <= 3; ++check) {
    ArchiveHealth down = evaluateArchiveHealth(PostgresStatus{}, waiting(0, {}), false,
                                               Seconds(300), kNow + Seconds(5 * check));
    carryOverLastKnown(previous, &down);
    EXPECT_FALSE(down.pg.ok) << check;
    EXPECT_EQ(down.pg.system_identifier, "7312345678901234567") << check;
    EXPECT_EQ(down.pg.server_version_num, 150004) << check;
    EXPECT_EQ(down.pg.server_version, "15.4") << check;
    EXPECT_EQ(down.pg.archiver.last_archived_wal, "000000010000000000000007") << check;
    EXPECT_EQ(down.state, "unknown");
    EXPECT_TRUE(down.healthy);
    EXPECT_EQ(down.last_known_state, "healthy") << check;
    EXPECT_EQ(down.last_known_at, kNow) << check;
    EXPECT_EQ(down.message, "unknown while postgres is stopped; last known: healthy");
    previous = down;
  }

  // Up again, as another database: what is read now replaces what was kept.
  pg.system_identifier = "7399999999999999999";
  ArchiveHealth again = evaluateArchiveHealth(pg, waiting(0, {}), true, Seconds(300), kNow);
  carryOverLastKnown(previous, &again);
  EXPECT_EQ(again.pg.system_identifier, "7399999999999999999");
}

// Nothing was ever judged: "unknown" stays without a last known state.
TEST(ArchiveHealth, DownFromTheStartHasNoLastKnownState) {
  ArchiveHealth down =
      evaluateArchiveHealth(PostgresStatus{}, ArchiveQueue{}, false, Seconds(300), kNow);
  carryOverLastKnown(ArchiveHealth{}, &down);  // the monitor's first check
  EXPECT_EQ(down.last_known_state, "");
  EXPECT_EQ(down.message, "unknown while postgres is stopped");
  EXPECT_EQ(down.pg.system_identifier, "");
}

}  // namespace
}  // namespace pgbr
