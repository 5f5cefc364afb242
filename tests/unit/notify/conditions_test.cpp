// The alert conditions (supervisor/notify/conditions.h): each rule with made-up figures.
#include "supervisor/notify/conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"

namespace pgbr {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

WallTime at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

Job finishedJob(JobKind kind, JobState state, const std::string& type = "") {
  Job j;
  j.id = "20261206T010000Z-0001";
  j.kind = kind;
  j.state = state;
  j.message = "pgbackrest exited with code 41: unable to write to the repository";
  if (!type.empty()) j.params = {{"type", type}};
  return j;
}

TEST(JobFinding, AFailureFiresPerKindAndTypeAndASuccessResolvesIt) {
  auto failed = jobFinding(finishedJob(JobKind::kBackup, JobState::kFailed, "full"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->condition, "job-failed:backup-full");
  EXPECT_EQ(failed->verdict, Verdict::kFiring);
  EXPECT_EQ(failed->severity, Severity::kCritical);
  EXPECT_THAT(failed->message, HasSubstr("The full backup failed (job 20261206T010000Z-0001): "
                                         "pgbackrest exited with code 41"));
  EXPECT_EQ(failed->details["job_id"], "20261206T010000Z-0001");

  auto ok = jobFinding(finishedJob(JobKind::kBackup, JobState::kSucceeded, "full"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->condition, "job-failed:backup-full");
  EXPECT_EQ(ok->verdict, Verdict::kResolved);
  Job made = finishedJob(JobKind::kBackup, JobState::kSucceeded, "full");
  made.backup_label = "20261206-010000F";
  EXPECT_EQ(jobSucceededMessage(made),
            "The full backup succeeded (job 20261206T010000Z-0001): backup 20261206-010000F.");

  auto dump = jobFinding(finishedJob(JobKind::kDump, JobState::kFailed));
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->condition, "job-failed:dump");
  EXPECT_THAT(dump->message, HasSubstr("logical dump failed"));
  EXPECT_FALSE(jobFinding(finishedJob(JobKind::kBackup, JobState::kCancelled, "incr")));
  EXPECT_FALSE(jobFinding(finishedJob(JobKind::kBackup, JobState::kRunning, "incr")));
}

ArchiveHealth archive(int64_t waiting, Seconds oldest, bool last_failed) {
  ArchiveHealth h;
  h.queue.ok = true;
  h.queue.ready_count = waiting;
  if (waiting > 0) {
    h.queue.oldest_ready = "000000010000000000000007";
    h.queue.oldest_age = oldest;
  }
  h.pg.ok = true;
  h.pg.archiver.last_archived_wal = "000000010000000000000006";
  h.pg.archiver.last_archived_time = at("2026-12-06T10:00:00Z");
  if (last_failed) {
    h.pg.archiver.last_failed_wal = "000000010000000000000007";
    h.pg.archiver.last_failed_time = at("2026-12-06T10:01:00Z");
  }
  return h;
}

TEST(ArchiveFinding, StuckFailingAndResolvedWithHysteresis) {
  const Seconds stuck = 180s;
  Finding f = archiveFinding(archive(12, 200s, false), stuck);
  EXPECT_EQ(f.condition, "archive");
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("WAL archiving is stuck: 12 WAL files wait to be archived, "
                                   "the oldest (000000010000000000000007) for 3 min"));
  // Failing attempts fire after a minute of waiting, before the stuck threshold.
  f = archiveFinding(archive(2, 65s, true), stuck);
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("archive-push has failed since 2026-12-06T10:01:00Z"));
  EXPECT_EQ(archiveFinding(archive(2, 20s, true), stuck).verdict, Verdict::kUnknown);
  // A shorter stuck threshold also shortens the wait before failures count.
  EXPECT_EQ(archiveFinding(archive(2, 35s, true), 30s).verdict, Verdict::kFiring);
  // Between half the threshold and the threshold, without failures: no change either way.
  EXPECT_EQ(archiveFinding(archive(3, 120s, false), stuck).verdict, Verdict::kUnknown);
  EXPECT_EQ(archiveFinding(archive(3, 60s, false), stuck).verdict, Verdict::kResolved);
  EXPECT_EQ(archiveFinding(archive(0, 0s, false), stuck).verdict, Verdict::kResolved);
  ArchiveHealth unreadable;
  EXPECT_EQ(archiveFinding(unreadable, stuck).verdict, Verdict::kUnknown);
}

TEST(RepositoryFinding, NotOkOrUnreadableFires) {
  EXPECT_EQ(repositoryFinding(std::nullopt, "").verdict, Verdict::kUnknown);
  Finding f = repositoryFinding(std::nullopt, "unable to connect to the S3 endpoint");
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("cannot be read (pgbackrest info): unable to connect"));
  backrest::InfoModel m;
  m.stanza = "main";
  m.status = {2, "missing stanza data"};
  f = repositoryFinding(m, "");
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("missing stanza data (code 2)"));
  m.status = {99, "other"};
  m.repos = {{1, "none", {0, "ok"}}, {2, "none", {99, "unable to connect to 127.0.0.1:9000"}}};
  EXPECT_THAT(repositoryFinding(m, "").message,
              HasSubstr("not ok: other; repo2: unable to connect to 127.0.0.1:9000 (code 99)"));
  m.status = {0, "ok"};
  EXPECT_EQ(repositoryFinding(m, "").verdict, Verdict::kResolved);
  // An ok stanza of another database fires all the same, with the reason.
  f = repositoryFinding(m, "",
                        std::string("stanza main of the repository holds the backups of "
                                    "another database"));
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_THAT(f.message, HasSubstr("not this database's: stanza main of the repository holds"));
  EXPECT_EQ(f.details["stanza_mismatch"], true);
}

TEST(PostgresFinding, FatalFiresAndRunningResolves) {
  ProcessSnapshot p;
  p.state = ProcessState::kFatal;
  p.quick_exits = 5;
  p.last_exit = "exited with code 1";
  Finding f = postgresFinding(p);
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("gave up after 5 quick exits in a row (last: exited with "
                                   "code 1)"));
  p.state = ProcessState::kBackoff;
  EXPECT_EQ(postgresFinding(p).verdict, Verdict::kUnknown);
  p.state = ProcessState::kRunning;
  EXPECT_EQ(postgresFinding(p).verdict, Verdict::kResolved);
}

TEST(OverdueFinding, DueRunWithoutSuccessPastTheGraceFires) {
  const CronExpr daily = *CronExpr::fromSetting("30 2 * * *");
  const UtcTimeZone utc;
  const WallTime started = at("2026-12-01T00:00:00Z");
  // Last success on the 5th at 02:31: the next run was due on the 6th at 02:30.
  const WallTime last = at("2026-12-05T02:31:00Z");
  Finding f = overdueFinding("dump", "30 2 * * *", daily, last, started, at("2026-12-06T03:00:00Z"),
                             3600s, utc);
  EXPECT_EQ(f.verdict, Verdict::kResolved);  // within the grace
  f = overdueFinding("dump", "30 2 * * *", daily, last, started, at("2026-12-06T03:31:00Z"), 3600s,
                     utc);
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_EQ(f.condition, "schedule-overdue:dump");
  EXPECT_THAT(f.message, HasSubstr("a run was due at 2026-12-06T02:30:00Z and none has "
                                   "succeeded since (last success: 2026-12-05T02:31:00Z)"));
  // Never succeeded: judged from the supervisor's start, not from the epoch.
  f = overdueFinding("dump", "30 2 * * *", daily, std::nullopt, at("2026-12-06T03:00:00Z"),
                     at("2026-12-06T04:00:00Z"), 3600s, utc);
  EXPECT_EQ(f.verdict, Verdict::kResolved);
  f = overdueFinding("dump", "30 2 * * *", daily, std::nullopt, at("2026-12-06T03:00:00Z"),
                     at("2026-12-07T03:31:00Z"), 3600s, utc);
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_THAT(f.message, HasSubstr("last success: never"));
}

TEST(LastBackupFor, BiggerTypesCountForSmallerSchedules) {
  backrest::InfoModel m;
  backrest::BackupInfo full, incr, broken;
  full.type = "full";
  full.finished_at = at("2026-12-01T00:00:00Z");
  incr.type = "incr";
  incr.finished_at = at("2026-12-03T00:00:00Z");
  broken.type = "full";
  broken.finished_at = at("2026-12-04T00:00:00Z");
  broken.error = true;
  m.backups = {full, incr, broken};
  EXPECT_EQ(lastBackupFor(m, "full"), at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(lastBackupFor(m, "diff"), at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(lastBackupFor(m, "incr"), at("2026-12-03T00:00:00Z"));
  EXPECT_FALSE(lastBackupFor(backrest::InfoModel{}, "incr"));
}

constexpr uint64_t kMiB = 1024 * 1024;

WalSpaceSample sample(const char* when, uint64_t free_mib, int64_t waiting) {
  return {at(when), free_mib * kMiB, 1000 * kMiB, waiting};
}

TEST(WalSpaceGuard, FiresOnLowSpaceOrAFillingBacklogAndResolvesWithMargin) {
  WalSpaceGuard guard(10, 60);
  EXPECT_EQ(guard.check(sample("2026-12-06T10:00:00Z", 600, 0)).verdict, Verdict::kResolved);
  // 10 MiB a second lost while 40 segments wait: full in a minute, well within the hour.
  EXPECT_EQ(guard.check(sample("2026-12-06T10:00:10Z", 500, 40)).verdict, Verdict::kResolved);
  Finding f = guard.check(sample("2026-12-06T10:00:30Z", 300, 40));
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_THAT(f.message, HasSubstr("has 300 MiB free of 1000 MiB (30 %); 40 WAL files wait to "
                                   "be archived and at the current rate it is full in about 30 s"));
  EXPECT_THAT(f.message, HasSubstr("archive-push-queue-max"));
  f = guard.check(sample("2026-12-06T10:00:40Z", 50, 60));
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_EQ(f.severity, Severity::kCritical);  // below 10 %
  // Archiving caught up and space came back: resolved only with 2 points of margin.
  WalSpaceGuard calm(10, 60);
  EXPECT_EQ(calm.check(sample("2026-12-06T11:00:00Z", 110, 0)).verdict, Verdict::kUnknown);
  EXPECT_EQ(calm.check(sample("2026-12-06T11:00:05Z", 95, 0)).verdict, Verdict::kFiring);
  EXPECT_EQ(calm.check(sample("2026-12-06T11:00:10Z", 125, 0)).verdict, Verdict::kResolved);
}

TEST(HumanUnits, BytesAndDurations) {
  EXPECT_EQ(humanBytes(300 * kMiB), "300 MiB");
  EXPECT_EQ(humanBytes(3 * 1024 * kMiB + 400 * kMiB), "3.4 GiB");
  EXPECT_EQ(humanDuration(45s), "45 s");
  EXPECT_EQ(humanDuration(750s), "12 min");
  EXPECT_EQ(humanDuration(3h + 5min), "3 h 5 min");
}

PostgresStatus standby(const std::string& receiver) {
  PostgresStatus pg;
  pg.ok = true;
  pg.in_recovery = true;
  pg.wal_receiver = receiver;
  return pg;
}

// A standby that stops streaming is told after the grace, not on a reconnect; streaming again
// resolves it; what cannot be read, or a promoted server, judges nothing.
TEST(StandbyGuard, NotStreamingForLongerThanTheGraceFires) {
  StandbyGuard guard(60s);
  const WallTime t0 = at("2026-12-06T10:00:00Z");
  EXPECT_EQ(guard.check(standby("streaming"), "db1:5432", t0).verdict, Verdict::kResolved);
  EXPECT_EQ(guard.check(standby(""), "db1:5432", t0 + 5s).verdict, Verdict::kUnknown);
  EXPECT_EQ(guard.check(standby("waiting"), "db1:5432", t0 + 60s).verdict, Verdict::kUnknown);
  EXPECT_EQ(guard.check(PostgresStatus{}, "db1:5432", t0 + 63s).verdict, Verdict::kUnknown);
  const Finding f = guard.check(standby(""), "db1:5432", t0 + 70s);
  EXPECT_EQ(f.condition, "replication");
  EXPECT_EQ(f.verdict, Verdict::kFiring);
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_THAT(f.message, HasSubstr("has not streamed from its primary db1:5432 for 65 s (no WAL "
                                   "receiver runs: the primary cannot be reached"));
  EXPECT_EQ(f.details["not_streaming_s"], 65);
  EXPECT_THAT(guard.check(standby("waiting"), "db1:5432", t0 + 80s).message,
              HasSubstr("(its WAL receiver is waiting)"));

  const Finding back = guard.check(standby("streaming"), "db1:5432", t0 + 90s);
  EXPECT_EQ(back.verdict, Verdict::kResolved);
  EXPECT_EQ(back.message, "This standby streams from its primary db1:5432 again.");
  // The grace starts over after streaming.
  EXPECT_EQ(guard.check(standby(""), "db1:5432", t0 + 100s).verdict, Verdict::kUnknown);
  EXPECT_EQ(guard.check(standby(""), "db1:5432", t0 + 159s).verdict, Verdict::kUnknown);
  EXPECT_EQ(guard.check(standby(""), "db1:5432", t0 + 160s).verdict, Verdict::kFiring);

  PostgresStatus promoted = standby("");
  promoted.in_recovery = false;
  EXPECT_EQ(guard.check(promoted, "db1:5432", t0 + 200s).verdict, Verdict::kUnknown);
}

}  // namespace
}  // namespace pgbr
