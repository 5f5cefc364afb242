// Named restore points without Postgres: the name rules, the record on disk, the window, and the
// creation with its bounded wait for the archive, on a fake database and a fake clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"
#include "supervisor/restore/restore_points.h"
#include "tests/support/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

WallTime at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

std::string problem(std::string_view name) {
  return restorePointNameProblem(name).value_or("");
}

TEST(RestorePointName, TakesDeployMarkers) {
  for (const char* name : {"before-deploy-42", "release_1.4.2+build.7", "a", "9", "app@1.2:3",
                           "2026-05-01T10:00:00Z", "A.B_C-D"}) {
    EXPECT_EQ(restorePointNameProblem(name), std::nullopt) << name;
  }
  EXPECT_EQ(restorePointNameProblem(std::string(63, 'x')), std::nullopt);
}

TEST(RestorePointName, RefusesWithTheRule) {
  EXPECT_THAT(problem(""), HasSubstr("name is empty; a restore point name is 1 to 63 letters"));
  EXPECT_THAT(problem(std::string(64, 'x')), HasSubstr("name is 64 bytes long"));
  EXPECT_THAT(problem("a b"), HasSubstr("name holds a space at position 2"));
  EXPECT_THAT(problem("deploy/1"), HasSubstr("name holds \"/\" at position 7"));
  EXPECT_THAT(problem("x;rm -rf"), HasSubstr("\";\" at position 2"));
  EXPECT_THAT(problem("x'y"), HasSubstr("\"'\" at position 2"));
  EXPECT_THAT(problem("a\nb"), HasSubstr("byte 0x0a at position 2"));
  EXPECT_THAT(problem("caf\xc3\xa9"), HasSubstr("byte 0xc3 at position 4"));
  EXPECT_THAT(problem("-x"), HasSubstr("name starts with \"-\""));
  EXPECT_THAT(problem(".hidden"), HasSubstr("name starts with \".\""));
  for (const char* name : {"", "a b", "-x"}) {
    EXPECT_THAT(problem(name), HasSubstr("for example deploy-2026-05-01")) << name;
  }
}

RestorePoint point(const std::string& name, const char* created, const std::string& wal,
                   bool archived = true) {
  RestorePoint p;
  p.name = name;
  p.created_at = at(created);
  p.lsn = "0/" + wal.substr(22) + "000090";
  p.timeline = 1;
  p.wal_file = wal;
  p.archived = archived;
  return p;
}

RestoreWindow windowOf(std::optional<WallTime> from, std::optional<WallTime> oldest_backup_start) {
  RestoreWindow window;
  window.from = from;
  window.oldest_backup_start = oldest_backup_start;
  return window;
}

TEST(RestorePointFile, RoundTripsAndSurvivesDamage) {
  TempDir dir;
  const auto file = dir.path() / "restore-points.json";
  std::string warning;
  EXPECT_TRUE(loadRestorePoints(file, &warning).empty());
  EXPECT_EQ(warning, "") << "a missing file is an empty list";

  std::vector<RestorePoint> points{
      point("one", "2026-05-01T10:00:00.250Z", "000000010000000000000003"),
      point("two", "2026-05-01T11:00:00Z", "00000002000000000000000A", false)};
  points[1].timeline = 2;
  ASSERT_EQ(saveRestorePoints(file, points), "");
  const auto loaded = loadRestorePoints(file, &warning);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(warning, "");
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(loaded[i].name, points[i].name);
    EXPECT_EQ(loaded[i].created_at, points[i].created_at);
    EXPECT_EQ(loaded[i].lsn, points[i].lsn);
    EXPECT_EQ(loaded[i].timeline, points[i].timeline);
    EXPECT_EQ(loaded[i].wal_file, points[i].wal_file);
    EXPECT_EQ(loaded[i].archived, points[i].archived);
  }

  dir.write("restore-points.json", "{\"restore_points\": [{\"name\": 3}]}");
  EXPECT_TRUE(loadRestorePoints(file, &warning).empty());
  EXPECT_THAT(warning, HasSubstr("field \"name\" is missing or not a string"));
  dir.write("restore-points.json", "not json");
  EXPECT_TRUE(loadRestorePoints(file, &warning).empty());
  EXPECT_THAT(warning, HasSubstr("the recorded restore points are ignored"));
}

TEST(RestoreWindowRules, InsideFromTheWindowStartExpiredBeforeEveryBackup) {
  const RestorePoint p = point("p", "2026-05-01T10:00:00Z", "000000010000000000000003");
  EXPECT_FALSE(insideWindow(p, {})) << "no backup yet: nothing can be restored to";
  EXPECT_FALSE(expired(p, {})) << "an unread repository removes nothing";
  EXPECT_TRUE(insideWindow(p, windowOf(at("2026-05-01T10:00:00Z"), std::nullopt)));
  EXPECT_FALSE(insideWindow(p, windowOf(at("2026-05-01T10:00:01Z"), std::nullopt)));
  EXPECT_FALSE(expired(p, windowOf(std::nullopt, at("2026-05-01T10:00:00Z"))));
  EXPECT_TRUE(expired(p, windowOf(std::nullopt, at("2026-05-01T10:00:01Z"))));
}

TEST(RestoreWindowRules, ParsesATimelineHistoryFile) {
  // As Postgres writes 00000003.history: one line per ancestor, a reason after the LSN.
  const auto history = parseTimelineHistory(
      "1\t0/5000198\tno recovery target specified\n"
      "\n# a comment\n"
      "2\t0/A0000A0\tat restore point \"before-deploy\"\n"
      "x\t0/1\tnot a timeline\n"
      "3\tnot-an-lsn\treason\n");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].timeline, 1u);
  EXPECT_EQ(history[0].switchpoint, 0x5000198u);
  EXPECT_EQ(history[1].timeline, 2u);
  EXPECT_EQ(history[1].switchpoint, 0xA0000A0u);
  EXPECT_TRUE(parseTimelineHistory("").empty());
}

TEST(RestoreWindowRules, APointOnAnAbandonedBranchIsNotOffered) {
  RestoreWindow window = windowOf(at("2026-05-01T09:00:00Z"), std::nullopt);
  window.timeline = 3;
  window.history = {{1, 0x5000198}, {2, 0xA0000A0}};
  RestorePoint before = point("before", "2026-05-01T10:00:00Z", "000000010000000000000004");
  before.lsn = "0/4000090";
  EXPECT_TRUE(insideWindow(before, window)) << "made on an ancestor before the switch";
  RestorePoint at_switch = before;
  at_switch.timeline = 2;
  at_switch.lsn = "0/A0000A0";
  EXPECT_TRUE(insideWindow(at_switch, window)) << "the point the restore stopped at";
  RestorePoint after = before;
  after.lsn = "0/6000028";
  EXPECT_FALSE(insideWindow(after, window)) << "made on timeline 1 after timeline 2 left it";
  RestorePoint current = after;
  current.timeline = 3;
  EXPECT_TRUE(insideWindow(current, window));
  RestorePoint sibling = before;
  sibling.timeline = 4;
  EXPECT_FALSE(insideWindow(sibling, window)) << "a timeline today's did not grow from";
  window.timeline = 0;  // Postgres down: the time alone decides
  EXPECT_TRUE(insideWindow(after, window));
  EXPECT_TRUE(insideWindow(sibling, window));
}

// Postgres as the store sees it: each create hands out the next segment; archiving completes
// after `archive_after` polls (never when negative).
class FakeDatabase final : public RestorePointDatabase {
 public:
  explicit FakeDatabase(FakeClock& clock) : clock_(clock) {}
  Outcome<Created> create(const std::string& name) override {
    created.push_back(name);
    if (create_error) return *create_error;
    char wal[32];
    std::snprintf(wal, sizeof wal, "0000000%u00000000000000%02X", timeline, ++segment);
    polls = 0;
    return Created{"0/" + std::to_string(segment) + "000090", wal, clock_.wall()};
  }
  Outcome<ArchiveState> archiveState(const std::string& wal_file) override {
    ++polls;
    wal_asked = wal_file;
    ArchiveState state;
    state.archived = archive_after >= 0 && polls > archive_after;
    state.last_archived_wal = "000000010000000000000001";
    state.last_failed_wal = failed_wal;
    if (!failed_wal.empty()) state.last_failed_at = at("2026-05-01T09:59:00Z");
    return state;
  }

  FakeClock& clock_;
  std::vector<std::string> created;
  std::optional<Error> create_error;
  unsigned timeline = 1;
  int segment = 2;
  int polls = 0;
  int archive_after = 2;
  std::string failed_wal;
  std::string wal_asked;
};

class RestorePointStore : public ::testing::Test {
 protected:
  RestorePointStore() : clock_(at("2026-05-01T12:00:00Z")), db_(clock_) { store_ = make(); }

  std::unique_ptr<RestorePoints> make() {
    RestorePoints::Options options;
    options.file = dir_.path() / "restore-points.json";
    options.archive_timeout = 60s;
    options.poll_interval = 200ms;
    options.pause = [this](Millis d) {
      ++pauses_;
      clock_.advance(d);
      if (stop_on_pause_) store_->stop();
    };
    return std::make_unique<RestorePoints>(options, clock_, db_, [this] { return window_; });
  }
  std::string fileText() const { return TempDir::read(dir_.path() / "restore-points.json"); }

  TempDir dir_;
  FakeClock clock_;
  FakeDatabase db_;
  RestoreWindow window_ = windowOf(at("2026-05-01T08:00:00Z"), at("2026-05-01T07:59:00Z"));
  int pauses_ = 0;
  bool stop_on_pause_ = false;
  std::unique_ptr<RestorePoints> store_;
};

TEST_F(RestorePointStore, CreatesRecordsAndWaitsForTheSegment) {
  const auto outcome = store_->create("before-deploy-42");
  ASSERT_TRUE(std::holds_alternative<RestorePoint>(outcome)) << std::get<Error>(outcome).message;
  const RestorePoint& p = std::get<RestorePoint>(outcome);
  EXPECT_EQ(p.name, "before-deploy-42");
  EXPECT_EQ(p.wal_file, "000000010000000000000003");
  EXPECT_EQ(p.timeline, 1u);
  EXPECT_EQ(p.lsn, "0/3000090");
  EXPECT_EQ(p.created_at, at("2026-05-01T12:00:00Z"));
  EXPECT_TRUE(p.archived);
  EXPECT_EQ(db_.wal_asked, "000000010000000000000003");
  EXPECT_EQ(db_.polls, 3) << "archived on the third look";
  EXPECT_EQ(pauses_, 2);
  EXPECT_THAT(fileText(), HasSubstr("\"archived\": true"));

  // A supervisor started later reads the same record.
  auto again = make();
  EXPECT_EQ(again->load(), "");
  ASSERT_TRUE(again->find("before-deploy-42"));
  EXPECT_EQ(again->find("before-deploy-42")->lsn, "0/3000090");
  ASSERT_EQ(again->list().size(), 1u);
}

TEST_F(RestorePointStore, BadNamesAndDuplicatesCreateNothing) {
  auto bad = store_->create("no spaces please");
  ASSERT_TRUE(std::holds_alternative<Error>(bad));
  EXPECT_EQ(std::get<Error>(bad).code, ErrorCode::kBadRequest);
  EXPECT_TRUE(db_.created.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "restore-points.json"));

  ASSERT_TRUE(std::holds_alternative<RestorePoint>(store_->create("v1")));
  const std::string before = fileText();
  auto duplicate = store_->create("v1");
  ASSERT_TRUE(std::holds_alternative<Error>(duplicate));
  EXPECT_EQ(std::get<Error>(duplicate).code, ErrorCode::kRestorePointExists);
  EXPECT_THAT(std::get<Error>(duplicate).message,
              HasSubstr("a restore point named \"v1\" was already created at "
                        "2026-05-01T12:00:00Z (lsn 0/3000090, timeline 1)"));
  EXPECT_EQ(db_.created, std::vector<std::string>{"v1"}) << "Postgres was not asked again";
  EXPECT_EQ(fileText(), before);
  EXPECT_EQ(store_->list().size(), 1u);
}

TEST_F(RestorePointStore, DatabaseErrorsPassThroughAndRecordNothing) {
  db_.create_error = Error{ErrorCode::kPostgresDown, "postgres does not accept connections"};
  auto outcome = store_->create("v1");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  EXPECT_EQ(std::get<Error>(outcome).code, ErrorCode::kPostgresDown);
  EXPECT_FALSE(store_->find("v1"));
  db_.create_error.reset();
  EXPECT_TRUE(std::holds_alternative<RestorePoint>(store_->create("v1"))) << "the name is free";
}

TEST_F(RestorePointStore, ArchiveTimeoutKeepsThePointAndSaysWhatTheArchiverReported) {
  db_.archive_after = -1;
  db_.failed_wal = "000000010000000000000002";
  auto outcome = store_->create("slow");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  const Error& error = std::get<Error>(outcome);
  EXPECT_EQ(error.code, ErrorCode::kArchiveTimeout);
  EXPECT_THAT(error.message,
              HasSubstr("restore point \"slow\" was created at 2026-05-01T12:00:00Z (lsn "
                        "0/3000090, timeline 1), but WAL segment 000000010000000000000003 did not "
                        "reach the repository within 60 s"));
  EXPECT_THAT(error.message, HasSubstr("the last archived segment is 000000010000000000000001"));
  EXPECT_THAT(error.message,
              HasSubstr("the last failure was 000000010000000000000002 at 2026-05-01T09:59:00Z"));
  EXPECT_EQ(pauses_, 300) << "polled every 200 ms for 60 s";
  ASSERT_TRUE(store_->find("slow"));
  EXPECT_FALSE(store_->find("slow")->archived);
  EXPECT_THAT(fileText(), HasSubstr("\"archived\": false"));

  // Archiving catches up later: the monitor's last archived segment marks it.
  store_->noteArchivedUpTo("000000010000000000000002");
  EXPECT_FALSE(store_->find("slow")->archived);
  store_->noteArchivedUpTo("000000010000000000000003");
  EXPECT_TRUE(store_->find("slow")->archived);
  EXPECT_THAT(fileText(), HasSubstr("\"archived\": true"));
}

TEST_F(RestorePointStore, StopEndsTheWait) {
  db_.archive_after = -1;
  stop_on_pause_ = true;
  auto outcome = store_->create("late");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  EXPECT_THAT(std::get<Error>(outcome).message, HasSubstr("before the supervisor stopped"));
  EXPECT_EQ(pauses_, 1);
  auto refused = store_->create("later");
  ASSERT_TRUE(std::holds_alternative<Error>(refused));
  EXPECT_EQ(std::get<Error>(refused).code, ErrorCode::kConflict);
}

TEST_F(RestorePointStore, ListsTheWindowDropsWhatNoBackupReachesAndFreesItsName) {
  window_ = {};  // no backup yet
  ASSERT_TRUE(std::holds_alternative<RestorePoint>(store_->create("early")));
  EXPECT_TRUE(store_->list().empty()) << "nothing can be restored before the first backup";
  ASSERT_TRUE(store_->find("early")) << "but the point is recorded";

  clock_.advance(3600s);
  window_ = windowOf(at("2026-05-01T12:30:00Z"), at("2026-05-01T12:10:00Z"));
  ASSERT_TRUE(std::holds_alternative<RestorePoint>(store_->create("deploy-1")));
  clock_.advance(60s);
  ASSERT_TRUE(std::holds_alternative<RestorePoint>(store_->create("deploy-2")));
  EXPECT_FALSE(store_->find("early")) << "older than every backup: dropped at the next create";
  EXPECT_THAT(fileText(), ::testing::Not(HasSubstr("\"early\"")));
  const auto listed = store_->list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "deploy-1");
  EXPECT_EQ(listed[1].name, "deploy-2");

  // The window moves on (expire, or an older backup unusable): hidden, still recorded.
  window_.from = at("2026-05-01T13:00:30Z");
  ASSERT_EQ(store_->list().size(), 1u);
  EXPECT_EQ(store_->list()[0].name, "deploy-2");
  EXPECT_TRUE(store_->find("deploy-1"));
  auto duplicate = store_->create("deploy-1");
  ASSERT_TRUE(std::holds_alternative<Error>(duplicate));
  EXPECT_EQ(std::get<Error>(duplicate).code, ErrorCode::kRestorePointExists);

  // Once every backup is newer, the name is free again.
  window_.oldest_backup_start = at("2026-05-01T13:00:30Z");
  EXPECT_TRUE(std::holds_alternative<RestorePoint>(store_->create("deploy-1")));
  ASSERT_TRUE(store_->find("deploy-1"));
  EXPECT_GT(store_->find("deploy-1")->created_at, at("2026-05-01T13:00:30Z")) << "the new one";
}

TEST_F(RestorePointStore, TimelineComesFromTheSegment) {
  db_.timeline = 3;
  auto outcome = store_->create("after-restore");
  ASSERT_TRUE(std::holds_alternative<RestorePoint>(outcome));
  EXPECT_EQ(std::get<RestorePoint>(outcome).timeline, 3u);
  EXPECT_EQ(std::get<RestorePoint>(outcome).wal_file, "000000030000000000000003");
}

}  // namespace
}  // namespace pgbr::testing
