#include "supervisor/backrest/progress.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "tests/unit/backrest/fixtures.h"

namespace pgbr::backrest {
namespace {

using testing::fixtureLines;
using testing::readFixture;

OutputScanner scan(std::string_view fixture) {
  OutputScanner scanner;
  for (const std::string& line : fixtureLines(fixture)) scanner.feed(line);
  return scanner;
}

// ---------------------------------------------------------------------------------------------
// Single lines.

TEST(ProgressLine, BackupAndRestoreFileLines) {
  EXPECT_EQ(parseProgressPercent("2026-11-22 02:54:13.236 P02 DETAIL: backup file "
                                 "/var/lib/postgresql/data/base/5/16404 (10.7MB, 11.08%) "
                                 "checksum cb32652a13648fe83dd3225cf624d70237bbd391"),
            11.08);
  EXPECT_EQ(parseProgressPercent("2026-11-22 02:54:13.607 P02 DETAIL: backup file "
                                 "/var/lib/postgresql/data/base/1/1417 (0B, 100.00%)"),
            100.0);
  EXPECT_EQ(parseProgressPercent("2026-11-22 02:54:57.100 P02 DETAIL: restore file "
                                 "/var/lib/postgresql/data/base/5/16404 - exists and matches "
                                 "backup (10.7MB, 11.06%) checksum 33ec5c47"),
            11.06);
  EXPECT_EQ(parseProgressPercent("P01 DETAIL: match file from prior backup /pg/PG_VERSION (3B, "
                                 "97.50%) checksum dd71038f"),
            97.5);
  EXPECT_EQ(parseProgressPercent("P01 DETAIL: checksum resumed file /pg/base/1/1 (8KB, 3.00%)"),
            3.0);
  EXPECT_EQ(parseProgressPercent("P01 DETAIL: restore zeroed file /pg/base/16384/1 (8KB, 42.42%)"),
            42.42);
  // Repository bundles add "bundle N/offset" in front of the size.
  EXPECT_EQ(parseProgressPercent("P01 DETAIL: backup file /pg/base/1/2 (bundle 1/128, 8KB, 5.10%) "
                                 "checksum abc"),
            5.10);
  // Older versions printed whole percents at info level.
  EXPECT_EQ(parseProgressPercent("2019-09-04 16:41:24.835 P01   INFO: backup file "
                                 "/database/11/main/base/13125/51569 (0B, 100%)"),
            100.0);
  // A path that looks like progress does not fool it: the last "(…%)" counts.
  EXPECT_EQ(
      parseProgressPercent("P01 DETAIL: backup file /pg/odd (5%)name (1KB, 7.25%) checksum 1"),
      7.25);
}

TEST(ProgressLine, OtherLinesHaveNoPercent) {
  for (const char* line : {
           "",
           "2026-11-22 02:54:13.951 P00   INFO: full backup size = 96.9MB, file total = 977",
           "2026-11-22 02:54:27.666 P00 DETAIL: reference pg_data/PG_VERSION to 20261122-025411F",
           "2026-11-22 02:54:57.389 P00   INFO: restore size = 97MB, file total = 978",
           "ERROR: [104]: backup file /x (1KB, 50.00%)",
           "P01 DETAIL: backup file /pg/x (1KB, 150.00%)",
           "P01 DETAIL: backup file /pg/x (1KB, .5%)",
           "P01 DETAIL: backup file /pg/x (1KB, 5.%)",
           "P01 DETAIL: backup file /pg/x (1KB, 1.2.3%)",
           "P01 DETAIL: backup file /pg/x (1KB,50%)",
           "backup file /pg/x (1KB, 50.00%)",
       }) {
    EXPECT_FALSE(parseProgressPercent(line).has_value()) << line;
  }
}

TEST(ProgressLine, NewBackupLabel) {
  EXPECT_EQ(parseNewBackupLabel(
                "2026-11-22 02:54:13.930 P00   INFO: new backup label = 20261122-025411F"),
            "20261122-025411F");
  EXPECT_EQ(
      parseNewBackupLabel("P00   INFO: new backup label = 20261122-025411F_20261122-025426I\r"),
      "20261122-025411F_20261122-025426I");
  EXPECT_FALSE(parseNewBackupLabel("P00   INFO: new backup label = ; rm -rf /").has_value());
  EXPECT_FALSE(
      parseNewBackupLabel("P00   INFO: last backup label = 20261122-025411F, version = 2.45")
          .has_value());
  EXPECT_FALSE(parseNewBackupLabel("new backup label = 20261122-025411F").has_value());
}

TEST(ProgressLine, ErrorLines) {
  std::optional<BackrestError> error =
      parseErrorLine("ERROR: [051]: PostgreSQL version 15, system-id 1 do not match stanza");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, 51);
  EXPECT_EQ(error->message, "PostgreSQL version 15, system-id 1 do not match stanza");

  error = parseErrorLine("2026-11-22 02:55:18.001 P00  ERROR: [087]: archive_mode must be enabled");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, 87);
  EXPECT_EQ(error->message, "archive_mode must be enabled");

  error = parseErrorLine("ASSERT: [025]: no WAL files to process");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, 25);

  error = parseErrorLine("ERROR: something without a code");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, 0);
  EXPECT_EQ(error->message, "something without a code");

  for (const char* line :
       {"WARN: option 'repo1-retention-full' is not set",
        "       HINT: is this the correct stanza?",
        "2026-11-22 02:54:11.084 P00   INFO: backup command begin 2.45", "", "ERRORS: [1]: no"}) {
    EXPECT_FALSE(parseErrorLine(line).has_value()) << line;
  }
}

TEST(ProgressLine, OneLineMessage) {
  BackrestError error{
      51, "PostgreSQL version 15 do not match stanza", {"HINT: is this the correct stanza?"}};
  EXPECT_EQ(error.oneLine(),
            "[051] PostgreSQL version 15 do not match stanza HINT: is this the correct stanza?");
  BackrestError long_error{104, std::string(3000, 'x'), {}};
  EXPECT_LE(long_error.oneLine().size(), 1000u);
  EXPECT_EQ(long_error.oneLine().substr(long_error.oneLine().size() - 3), "...");
}

// ---------------------------------------------------------------------------------------------
// Whole outputs captured from pgBackRest 2.45.

TEST(OutputScanner, RealFullBackup) {
  OutputScanner scanner = scan("backup-full.log");
  EXPECT_EQ(scanner.percent(), 100.0);
  EXPECT_EQ(scanner.backupLabel(), "20261122-025411F");
  EXPECT_FALSE(scanner.error().has_value());
  EXPECT_FALSE(scanner.abortCode().has_value());
}

TEST(OutputScanner, RealDiffAndIncrLabels) {
  EXPECT_EQ(scan("backup-diff.log").backupLabel(), "20261122-025411F_20261122-025423D");
  EXPECT_EQ(scan("backup-incr-annotated.log").backupLabel(), "20261122-025411F_20261122-025426I");
  EXPECT_EQ(scan("backup-full-with-expire.log").backupLabel(), "20261122-025445F");
}

TEST(OutputScanner, PercentFollowsTheOutput) {
  OutputScanner scanner;
  std::vector<double> seen;
  for (const std::string& line : fixtureLines("backup-full.log")) {
    scanner.feed(line);
    if (scanner.percent() && (seen.empty() || seen.back() != *scanner.percent())) {
      seen.push_back(*scanner.percent());
    }
  }
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front(), 11.08);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(OutputScanner, RealRestores) {
  OutputScanner delta = scan("restore-delta.log");
  EXPECT_EQ(delta.percent(), 100.0);
  EXPECT_FALSE(delta.backupLabel().has_value());
  EXPECT_FALSE(delta.error().has_value());
  EXPECT_EQ(scan("restore-time-promote.log").percent(), 100.0);
}

TEST(OutputScanner, RealVerifyReportsNothingToTrack) {
  OutputScanner scanner = scan("verify.log");
  EXPECT_FALSE(scanner.percent().has_value());
  EXPECT_FALSE(scanner.backupLabel().has_value());
  EXPECT_FALSE(scanner.error().has_value());
  EXPECT_FALSE(scanner.abortCode().has_value());
}

TEST(OutputScanner, RealStanzaMismatch) {
  OutputScanner scanner = scan("error-stanza-mismatch.log");
  ASSERT_TRUE(scanner.error().has_value());
  EXPECT_EQ(scanner.error()->code, 51);
  EXPECT_EQ(scanner.error()->message,
            "PostgreSQL version 15, system-id 7710824007217905172 do not match stanza version 15, "
            "system-id 7710823690691811712");
  EXPECT_EQ(scanner.error()->details,
            std::vector<std::string>{"HINT: is this the correct stanza?"});
  EXPECT_EQ(scanner.abortCode(), 51);
  EXPECT_EQ(scanner.error()->oneLine(),
            "[051] PostgreSQL version 15, system-id 7710824007217905172 do not match stanza "
            "version 15, system-id 7710823690691811712 HINT: is this the correct stanza?");
}

TEST(OutputScanner, RealRestoreWhileRunning) {
  OutputScanner scanner = scan("error-restore-while-running.log");
  ASSERT_TRUE(scanner.error().has_value());
  EXPECT_EQ(scanner.error()->code, 38);
  EXPECT_EQ(scanner.error()->message, "unable to restore while PostgreSQL is running");
  EXPECT_EQ(scanner.error()->details.size(), 2u);
}

TEST(OutputScanner, RealShortErrors) {
  OutputScanner empty_target = scan("error-empty-target.log");
  ASSERT_TRUE(empty_target.error().has_value());
  EXPECT_EQ(empty_target.error()->code, 32);
  EXPECT_EQ(empty_target.error()->message, "'' must be >= 1 character for 'target' option");

  OutputScanner no_stanza = scan("error-no-stanza.log");
  ASSERT_TRUE(no_stanza.error().has_value());
  EXPECT_EQ(no_stanza.error()->code, 37);
  EXPECT_EQ(no_stanza.error()->oneLine(),
            "[037] backup command requires option: pg1-path HINT: does this stanza exist?");

  OutputScanner archive_off = scan("error-archive-mode-off.log");
  ASSERT_TRUE(archive_off.error().has_value());
  EXPECT_EQ(archive_off.error()->code, 87);
  EXPECT_TRUE(archive_off.error()->details.empty());
}

TEST(OutputScanner, KeepsTheFirstErrorAndStopsAtAssertTrailers) {
  OutputScanner scanner;
  scanner.feed("ASSERT: [025]: no WAL files to process");
  scanner.feed("        --------------------------------------------------------------------");
  scanner.feed("        If SUBMITTING AN ISSUE please provide the following information:");
  scanner.feed("ERROR: [104]: a later error");
  scanner.feed("       HINT: not ours");
  ASSERT_TRUE(scanner.error().has_value());
  EXPECT_EQ(scanner.error()->code, 25);
  EXPECT_TRUE(scanner.error()->details.empty());
}

TEST(OutputScanner, AbortWithoutErrorLine) {
  OutputScanner scanner;
  scanner.feed(
      "2026-11-22 02:55:18.622 P00   INFO: check command end: aborted with exception [087]");
  EXPECT_FALSE(scanner.error().has_value());
  EXPECT_EQ(scanner.abortCode(), 87);
}

TEST(OutputScanner, CapsDetails) {
  OutputScanner scanner;
  scanner.feed("ERROR: [104]: many");
  for (int i = 0; i < 50; ++i) scanner.feed("       repo" + std::to_string(i) + ": failed");
  ASSERT_TRUE(scanner.error().has_value());
  EXPECT_EQ(scanner.error()->details.size(), 10u);
}

// ---------------------------------------------------------------------------------------------
// archive-push failures in the Postgres log.

TEST(ArchivePush, RealPermissionFailure) {
  std::optional<ArchivePushFailure> failure =
      findArchivePushFailure(readFixture("postgres-archive-push-failed.log"));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->problem, ArchivePushProblem::kPermission);
  EXPECT_EQ(failure->exit_code, 104);
  EXPECT_EQ(failure->wal, "000000030000000000000010");
  ASSERT_TRUE(failure->error.has_value());
  EXPECT_EQ(failure->error->code, 104);
  ASSERT_EQ(failure->error->details.size(), 2u);
  EXPECT_NE(failure->error->details[0].find("[PathCreateError]"), std::string::npos);
  EXPECT_EQ(archivePushProblemName(failure->problem), "permission");
}

TEST(ArchivePush, RealMismatch) {
  const std::vector<std::string> lines = fixtureLines("archive-push-mismatch.log");
  std::string log;
  for (const std::string& line : lines) log += line + "\n";
  log += "2026-11-22 02:56:00.000 UTC [7552] LOG:  archive command failed with exit code 103\n";
  log +=
      "2026-11-22 02:56:00.000 UTC [7552] DETAIL:  The failed archive command was: pgbackrest "
      "--stanza=demo archive-push \"pg_wal/000000010000000000000001\"\n";
  std::optional<ArchivePushFailure> failure = findArchivePushFailure(log);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->problem, ArchivePushProblem::kStanzaMismatch);
  EXPECT_EQ(failure->exit_code, 103);
  EXPECT_EQ(failure->wal, "000000010000000000000001");
}

TEST(ArchivePush, NoFailureInAHealthyLog) {
  EXPECT_FALSE(findArchivePushFailure("").has_value());
  EXPECT_FALSE(findArchivePushFailure(
                   "2026-11-22 02:55:08.606 UTC [7498] LOG:  database system is ready to accept "
                   "connections\n")
                   .has_value());
}

TEST(ArchivePush, FailureWithoutPgbackrestMessage) {
  std::optional<ArchivePushFailure> failure = findArchivePushFailure(
      "LOG:  archive command failed with exit code 127\n"
      "DETAIL:  The failed archive command was: pgbackrest archive-push "
      "pg_wal/00000001000000000000002A");
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->problem, ArchivePushProblem::kOther);
  EXPECT_FALSE(failure->error.has_value());
  EXPECT_EQ(failure->exit_code, 127);
  EXPECT_EQ(failure->wal, "00000001000000000000002A");
}

TEST(ArchivePush, TheLastFailureWinsAndKeepsItsOwnMessage) {
  const std::string log =
      "ERROR: [082]: unable to push WAL file '000000010000000000000005' to the archive "
      "asynchronously after 60 second(s)\n"
      "LOG:  archive command failed with exit code 82\n"
      "DETAIL:  The failed archive command was: pgbackrest archive-push "
      "pg_wal/000000010000000000000005\n"
      "LOG:  archive command failed with exit code 1\n";
  std::optional<ArchivePushFailure> failure = findArchivePushFailure(log);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, 1);
  EXPECT_FALSE(failure->error.has_value());  // the 082 belonged to the earlier failure
  EXPECT_EQ(failure->problem, ArchivePushProblem::kOther);

  failure = findArchivePushFailure(log.substr(0, log.rfind("LOG:")));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->problem, ArchivePushProblem::kTimeout);
  EXPECT_EQ(failure->wal, "000000010000000000000005");
}

TEST(ArchivePush, Classification) {
  struct Case {
    BackrestError error;
    ArchivePushProblem problem;
  };
  const std::vector<Case> cases = {
      {{44, "WAL file '0001' PostgreSQL version 15, system-id 1 do not match stanza", {}},
       ArchivePushProblem::kStanzaMismatch},
      {{103,
        "unable to find a valid repository:",
        {"repo1: [ArchiveMismatchError] PostgreSQL version 15, system-id 1 do not match repo1 "
         "stanza"}},
       ArchivePushProblem::kStanzaMismatch},
      {{103,
        "unable to find a valid repository:",
        {"repo1: [FileMissingError] unable to load info file '/repo/archive/main/archive.info'",
         "HINT: archive.info cannot be opened but is required to push/get WAL segments.",
         "HINT: has a stanza-create been performed?"}},
       ArchivePushProblem::kStanzaMissing},
      {{104,
        "archive-push command encountered error(s):",
        {"repo1: [FileWriteError] unable to write: [28] No space left on device"}},
       ArchivePushProblem::kNoSpace},
      {{104,
        "archive-push command encountered error(s):",
        {"repo1: [PathCreateError] unable to create path '/r': [13] Permission denied"}},
       ArchivePushProblem::kPermission},
      {{104,
        "raised from local-1 protocol:",
        {"repo1: [AccessError] S3 request failed with 403: Forbidden",
         "*** Response Content ***:", "<Error><Code>InvalidAccessKeyId</Code></Error>"}},
       ArchivePushProblem::kCredentials},
      {{82,
        "unable to push WAL file '000000010000000000000002' to the archive asynchronously after "
        "5 second(s)",
        {}},
       ArchivePushProblem::kTimeout},
      {{104,
        "archive-push command encountered error(s):",
        {"repo1: [HostConnectError] unable to connect to 'bucket.s3:443': [111] Connection "
         "refused"}},
       ArchivePushProblem::kUnreachable},
      {{101, "S3 request failed with 503: Service Unavailable", {}},
       ArchivePushProblem::kUnreachable},
      {{62, "stop file exists for all stanzas", {}}, ArchivePushProblem::kOther},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(classifyArchivePushError(c.error), c.problem) << c.error.oneLine();
    EXPECT_FALSE(archivePushAdvice(c.problem).empty());
  }
}

TEST(ArchivePush, ProblemNamesAreDistinct) {
  std::set<std::string_view> names;
  for (ArchivePushProblem p : {ArchivePushProblem::kPermission, ArchivePushProblem::kNoSpace,
                               ArchivePushProblem::kCredentials, ArchivePushProblem::kUnreachable,
                               ArchivePushProblem::kTimeout, ArchivePushProblem::kStanzaMismatch,
                               ArchivePushProblem::kStanzaMissing, ArchivePushProblem::kOther}) {
    names.insert(archivePushProblemName(p));
  }
  EXPECT_EQ(names.size(), 8u);
}

}  // namespace
}  // namespace pgbr::backrest
