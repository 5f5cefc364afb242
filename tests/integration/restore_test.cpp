// Restores through the API against the real binary, Postgres and pgBackRest: point in time, delta
// after a lost relation file, an older backup set, a restore that pauses at its target and is
// promoted by hand, the refusals that must leave Postgres alone, and a restore whose target is
// never reached (the database comes back as it was) followed by a retry that works.
//
// Each test runs its own supervisor: a restore changes the timeline and the repository's history,
// which must not leak into the next test.
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <thread>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

constexpr auto kRestoreTimeout = 180s;
constexpr auto kArchiveTimeout = 60s;

// Everything a table holds, in one value: equal checksums mean equal rows.
std::string checksum(Pg& pg, const std::string& table) {
  return pg.value("select coalesce(md5(string_agg(t::text, ',' order by id)), 'empty') from " +
                  table + " t");
}

// The current timeline as the 8 hex digits WAL file names start with.
std::string timeline(Pg& pg) {
  return pg.value("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
}

// Closes the current WAL segment and waits until the supervisor's status reports it archived, so
// everything committed so far is in the repository.
::testing::AssertionResult archiveCurrentWal(const SupervisorUnderTest& sup, Pg& pg) {
  const std::string wal = pg.value("select pg_walfile_name(pg_switch_wal())");
  if (wal.size() != 24) return ::testing::AssertionFailure() << "pg_switch_wal: " << wal;
  std::string last;
  const bool archived = eventually(
      [&] {
        const Json status = sup.get("/api/v1/status").json();
        if (!status.is_object() || !status["archive"]["last_archived_wal"].is_string())
          return false;
        last = status["archive"]["last_archived_wal"].get<std::string>();
        // Names of one timeline sort like their positions; a ".history" name sorts before them.
        return last.size() == 24 && last >= wal;
      },
      kArchiveTimeout, 200ms);
  if (!archived) {
    return ::testing::AssertionFailure() << wal << " not reported archived; last " << last;
  }
  return ::testing::AssertionSuccess();
}

// Seconds since the epoch of an RFC 3339 UTC time as the API prints it ("...T12:00:00Z"); 0 when
// it is not one.
std::time_t utcSeconds(const Json& text) {
  if (!text.is_string()) return 0;
  std::tm tm{};
  const std::string s = text.get<std::string>();
  if (::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return 0;
  return ::timegm(&tm);
}

std::optional<int> postgresPid(const SupervisorUnderTest& sup) {
  const Json status = sup.get("/api/v1/status").json();
  if (!status.is_object() || !status["postgres"]["pid"].is_number_integer()) return std::nullopt;
  return status["postgres"]["pid"].get<int>();
}

// Starts a restore, checks the 202 answer, waits for the job and returns its final document.
Json restore(SupervisorUnderTest& sup, const Json& body) {
  const HttpAnswer answer = sup.post("/api/v1/restore", body);
  EXPECT_EQ(answer.status, 202) << answer.body;
  if (answer.status != 202) return Json{{"state", "not-started"}, {"body", answer.body}};
  const Json job = answer.json()["job"];
  EXPECT_EQ(job.value("kind", ""), "restore") << answer.body;
  EXPECT_EQ(job.value("trigger", ""), "api") << answer.body;
  const std::string id = job.value("id", "");
  const auto location = answer.headers.find("Location");
  EXPECT_TRUE(location != answer.headers.end() && location->second == "/api/v1/jobs/" + id);
  return sup.waitJob(id, kRestoreTimeout);
}

// After a successful restore: Postgres supervised as RUNNING, ready, out of recovery.
void expectPostgresBack(SupervisorUnderTest& sup, Pg& pg) {
  ASSERT_TRUE(pg.ok()) << pg.error();
  EXPECT_EQ(pg.value("select pg_is_in_recovery()"), "f");
  const Json status = sup.get("/api/v1/status").json();
  EXPECT_EQ(status["postgres"].value("state", ""), "RUNNING") << status.dump();
  EXPECT_EQ(status["postgres"].value("ready", false), true) << status.dump();
  EXPECT_EQ(sup.get("/readyz").status, 200);
}

std::string jobLogText(SupervisorUnderTest& sup, const std::string& id) {
  std::string text;
  const Json log = sup.get("/api/v1/jobs/" + id + "/log?tail=10000").json();
  if (log.is_object() && log["lines"].is_array()) {
    for (const Json& line : log["lines"]) text += line.value("text", "") + "\n";
  }
  return text;
}

// What writeAroundATimeTarget leaves for the restore and its checks.
struct TimeTarget {
  std::string target;       // UTC, microseconds, RFC 3339
  std::string psql_target;  // the same instant as psql prints it in a +05:30 time zone
  std::string at_target;    // the table's checksum at the target
  std::string timeline;     // the timeline written on, before the restore
};

// Creates `table` (id, v) and runs `before` in it, notes a time target right after that commit,
// then runs `after` strictly later and archives the WAL of it all. The newest backup ends a
// whole second before the target, as pgBackRest needs to pick it for a restore to that time.
void writeAroundATimeTarget(SupervisorUnderTest& sup, const std::string& table,
                            const std::vector<std::string>& before,
                            const std::vector<std::string>& after, TimeTarget* out) {
  auto connection = sup.connect();
  Pg& pg = *connection;
  ASSERT_TRUE(pg.ok()) << pg.error();
  const std::string finished = sup.get("/api/v1/backups/latest").json().value("finished_at", "");
  ASSERT_FALSE(finished.empty());
  ASSERT_TRUE(eventually(
      [&] {
        return pg.value("select clock_timestamp() >= '" + finished +
                        "'::timestamptz + interval '1 s'") == "t";
      },
      5s, 10ms));
  ASSERT_TRUE(pg.exec("create table " + table + "(id int primary key, v text)"));
  for (const std::string& sql : before) ASSERT_TRUE(pg.exec(sql)) << sql;
  out->at_target = checksum(pg, table);
  // The target is read after the commit, so every commit of `before` lies before it.
  out->target = pg.value(
      "select to_char(clock_timestamp() at time zone 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
  ASSERT_EQ(out->target.size(), 27u) << out->target;
  ASSERT_TRUE(pg.exec("set time zone 'Asia/Kolkata'"));
  out->psql_target = pg.value("select '" + out->target + "'::timestamptz::text");
  ASSERT_TRUE(pg.exec("reset time zone"));
  ASSERT_TRUE(out->psql_target.ends_with("+05:30")) << out->psql_target;
  // `after` must commit strictly after the target.
  ASSERT_TRUE(eventually(
      [&] {
        return pg.value("select clock_timestamp() > '" + out->target + "'::timestamptz") == "t";
      },
      5s, 1ms));
  for (const std::string& sql : after) ASSERT_TRUE(pg.exec(sql)) << sql;
  ASSERT_NE(checksum(pg, table), out->at_target);
  out->timeline = timeline(pg);
  ASSERT_TRUE(archiveCurrentWal(sup, pg));
}

class Restore : public ::testing::Test {
 protected:
  // A fresh supervisor with its first full backup taken.
  void startSupervisor() {
    sup_ = std::make_unique<SupervisorUnderTest>(dir_.path());
    ASSERT_TRUE(sup_->startAndSettle());
  }
  SupervisorUnderTest& sup() { return *sup_; }

  TempDir dir_;
  std::unique_ptr<SupervisorUnderTest> sup_;
};

TEST_F(Restore, PointInTimeBringsBackTheTableAsItWasAtTheTarget) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  TimeTarget t;
  ASSERT_NO_FATAL_FAILURE(writeAroundATimeTarget(
      sup(), "pitr", {"insert into pitr select g, 'first ' || g from generate_series(1, 200) g"},
      {"insert into pitr select g, 'second ' || g from generate_series(201, 300) g",
       "delete from pitr where id % 7 = 0", "update pitr set v = 'changed' where id < 20"},
      &t));

  // The target as psql prints a time ("2026-12-05 13:37:40.767967+05:30"); the pause test below
  // writes it in RFC 3339.
  const Json job =
      restore(sup(), {{"type", "time"}, {"target", t.psql_target}, {"confirm", "main"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump() << "\n" << sup().postgresLog();
  EXPECT_EQ(job["params"].value("target", ""), t.psql_target);
  // pgBackRest was given the same instant in UTC: "2026-12-05 08:07:40.767967+00".
  std::string utc = t.target.substr(0, 10) + " " + t.target.substr(11, 15);
  while (utc.back() == '0') utc.pop_back();
  if (utc.back() == '.') utc.pop_back();
  EXPECT_NE(jobLogText(sup(), job.value("id", "")).find("--target=\"" + utc + "+00\""),
            std::string::npos)
      << utc;
  EXPECT_EQ(job.value("progress", 0), 100) << job.dump();

  auto pg = sup().connect();
  ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
  EXPECT_EQ(checksum(*pg, "pitr"), t.at_target);
  EXPECT_EQ(pg->value("select count(*) from pitr"), "200");
  // Promotion at the target starts a new timeline, so the old future cannot be replayed again.
  EXPECT_GT(timeline(*pg), t.timeline);
}

TEST_F(Restore, DeltaRestoreBringsBackADeletedRelationFileAndReplaysArchivedWal) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  std::string expected;
  std::string relation;
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create table lost(id int primary key, v text)"));
    ASSERT_TRUE(
        pg->exec("insert into lost select g, 'in backup ' || g from generate_series(1, 500) g"));
    const Json backup = sup().backup("incr");
    ASSERT_EQ(backup.value("state", ""), "succeeded") << backup.dump();
    // Committed after the backup: only the archived WAL can bring these back.
    ASSERT_TRUE(
        pg->exec("insert into lost select g, 'in wal ' || g from generate_series(501, 700) g"));
    ASSERT_TRUE(pg->exec("delete from lost where id between 100 and 149"));
    expected = checksum(*pg, "lost");
    relation = pg->value("select pg_relation_filepath('lost')");
    ASSERT_TRUE(archiveCurrentWal(sup(), *pg));
  }

  const HttpAnswer stop = sup().post("/api/v1/processes/postgres/stop", Json::object());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(eventually(
      [&] {
        const Json p = sup().get("/api/v1/processes").json();
        return p.is_object() && p["processes"][0].value("state", "") == "STOPPED";
      },
      30s));
  const fs::path file = sup().pgdata() / relation;
  ASSERT_TRUE(fs::exists(file)) << file;
  fs::remove(file);

  const Json job = restore(sup(), {{"type", "delta"}, {"confirm", "main"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump() << "\n" << sup().postgresLog();
  EXPECT_TRUE(fs::exists(file));

  auto pg = sup().connect();
  ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
  EXPECT_EQ(pg->value("select count(*) from lost"), "650");
  EXPECT_EQ(checksum(*pg, "lost"), expected);
}

// A delta restore of a running database recovers to the end of the archive; what was committed
// just before is still only in the WAL segment being written (archive_timeout is 60 s). The
// restore leaves pg_wal alone and recovery reads it after the archive, so nothing is lost.
TEST_F(Restore, DeltaRestoreOfARunningDatabaseKeepsWhatWasJustCommitted) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  std::string expected;
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create table recent(id int primary key, v text)"));
    ASSERT_TRUE(
        pg->exec("insert into recent select g, 'row ' || g from generate_series(1, 300) g"));
    expected = checksum(*pg, "recent");
  }
  const Json job = restore(sup(), {{"type", "delta"}, {"confirm", "main"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump() << "\n" << sup().postgresLog();

  auto pg = sup().connect();
  ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
  EXPECT_EQ(pg->value("select count(*) from recent"), "300");
  EXPECT_EQ(checksum(*pg, "recent"), expected);
}

// pgBackRest's --set chooses the backup a restore starts from; without a target, recovery then
// replays the archive to its end. The state of an older backup itself is type "immediate" with
// that set: recovery stops as soon as the backup is consistent.
TEST_F(Restore, OlderBackupSetIsTheStartingPointAndImmediateStopsAtIt) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  std::string label_a;
  std::string as_of_a;
  std::string latest;
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create table sets(id int primary key, v text)"));
    ASSERT_TRUE(pg->exec("insert into sets select g, 'a ' || g from generate_series(1, 100) g"));
    as_of_a = checksum(*pg, "sets");
    const Json a = sup().backup("full");
    ASSERT_EQ(a.value("state", ""), "succeeded") << a.dump();
    label_a = a.value("backup_label", "");
    ASSERT_FALSE(label_a.empty()) << a.dump();
    ASSERT_TRUE(pg->exec("insert into sets select g, 'b ' || g from generate_series(101, 150) g"));
    ASSERT_TRUE(pg->exec("delete from sets where id <= 10"));
    const Json b = sup().backup("full");
    ASSERT_EQ(b.value("state", ""), "succeeded") << b.dump();
    ASSERT_NE(b.value("backup_label", ""), label_a);
    ASSERT_TRUE(
        pg->exec("insert into sets select g, 'after b ' || g from generate_series(151, 160) g"));
    latest = checksum(*pg, "sets");
    ASSERT_TRUE(archiveCurrentWal(sup(), *pg));
  }
  const Json a_doc = sup().get("/api/v1/backups/" + label_a).json();
  ASSERT_EQ(a_doc.value("label", ""), label_a) << a_doc.dump();

  const Json from_a = restore(sup(), {{"type", "set"}, {"set", label_a}, {"confirm", "main"}});
  ASSERT_EQ(from_a.value("state", ""), "succeeded") << from_a.dump() << "\n" << sup().postgresLog();
  const std::string log = jobLogText(sup(), from_a.value("id", ""));
  EXPECT_NE(log.find("--set=" + label_a), std::string::npos) << log;
  EXPECT_NE(log.find("restore backup set " + label_a), std::string::npos) << log;
  {
    auto pg = sup().connect();
    ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
    EXPECT_EQ(checksum(*pg, "sets"), latest) << "a set restore replays the archive to its end";
  }
  const Json after_set = sup().backupAfterRestore(from_a.value("id", ""));
  ASSERT_EQ(after_set.value("state", ""), "succeeded") << after_set.dump();

  const Json immediate = restore(
      sup(),
      {{"type", "immediate"}, {"set", label_a}, {"target_action", "promote"}, {"confirm", "main"}});
  ASSERT_EQ(immediate.value("state", ""), "succeeded") << immediate.dump() << "\n"
                                                       << sup().postgresLog();
  {
    auto pg = sup().connect();
    ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
    EXPECT_EQ(checksum(*pg, "sets"), as_of_a);
    EXPECT_EQ(pg->value("select count(*) from sets"), "100");
  }

  // Backup B, taken on the first timeline after A, cannot start a restore into the timeline the
  // immediate restore began: the backup taken after that restore is what "latest" must use.
  const Json after_immediate = sup().backupAfterRestore(immediate.value("id", ""));
  ASSERT_EQ(after_immediate.value("state", ""), "succeeded") << after_immediate.dump();
  const Json latest_again = restore(sup(), {{"type", "delta"}, {"confirm", "main"}});
  ASSERT_EQ(latest_again.value("state", ""), "succeeded") << latest_again.dump() << "\n"
                                                          << sup().postgresLog();
  auto pg = sup().connect();
  ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
  EXPECT_EQ(checksum(*pg, "sets"), as_of_a);
}

TEST_F(Restore, PauseWaitsAtTheTargetAndAPromotionByHandGetsItsTimelineBackedUp) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  TimeTarget t;
  ASSERT_NO_FATAL_FAILURE(writeAroundATimeTarget(
      sup(), "paused", {"insert into paused select g, 'kept ' || g from generate_series(1, 50) g"},
      {"insert into paused select g, 'later ' || g from generate_series(51, 80) g"}, &t));

  const Json job = restore(
      sup(),
      {{"type", "time"}, {"target", t.target}, {"target_action", "pause"}, {"confirm", "main"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump() << "\n" << sup().postgresLog();
  auto pg = sup().connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  // Paused at the target: readable, still in recovery, nothing after the target applied.
  EXPECT_EQ(pg->value("select pg_is_in_recovery()"), "t");
  EXPECT_EQ(pg->value("select pg_get_wal_replay_pause_state()"), "paused");
  EXPECT_EQ(checksum(*pg, "paused"), t.at_target);
  EXPECT_EQ(sup().get("/readyz").status, 200);

  // While paused there is no new timeline, so no backup is due; a monitor round passes first.
  std::this_thread::sleep_for(6s);
  const Json jobs = sup().get("/api/v1/jobs?limit=5").json();
  ASSERT_TRUE(jobs["jobs"].is_array()) << jobs.dump();
  EXPECT_EQ(jobs["jobs"][0].value("id", ""), job.value("id", "")) << jobs.dump();

  // The operator looked, liked it and promoted: the supervisor backs up the new timeline.
  ASSERT_EQ(pg->value("select pg_promote()"), "t");
  ASSERT_TRUE(
      eventually([&] { return pg->value("select pg_is_in_recovery()") == "f"; }, 30s, 100ms));
  const std::string timeline_after = timeline(*pg);
  EXPECT_GT(timeline_after, t.timeline);
  EXPECT_EQ(checksum(*pg, "paused"), t.at_target);
  const Json after = sup().backupAfterRestore(job.value("id", ""));
  ASSERT_EQ(after.value("state", ""), "succeeded") << after.dump();
  const Json latest = sup().get("/api/v1/backups/latest").json();
  EXPECT_EQ(latest.value("label", ""), after.value("backup_label", "")) << latest.dump();
  EXPECT_EQ(latest.value("wal_start", "").substr(0, 8), timeline_after) << latest.dump();
}

// Every refusal answers before anything is stopped: same postmaster, still RUNNING, no restore job.
TEST_F(Restore, RefusalsLeavePostgresRunning) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  const std::optional<int> pid = postgresPid(sup());
  ASSERT_TRUE(pid.has_value());
  // A session open across all the refusals: it survives only if Postgres was never stopped.
  auto pg = sup().connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  const std::string backend = pg->value("select pg_backend_pid()");

  // Within the second the only backup finished: pgBackRest would find no backup that stopped
  // before it, after Postgres was already stopped.
  const std::string finished = sup().get("/api/v1/backups/latest").json().value("finished_at", "");
  ASSERT_EQ(finished.size(), 20u) << finished;
  const std::string same_second = finished.substr(0, 19) + ".900000Z";
  // WAL archived after that second, so only the backup's stop time can rule the target out.
  ASSERT_TRUE(pg->exec("create table refusals(id int)"));
  ASSERT_TRUE(eventually(
      [&] {
        return pg->value("select clock_timestamp() >= '" + finished +
                         "'::timestamptz + interval '1 s'") == "t";
      },
      5s, 10ms));
  ASSERT_TRUE(archiveCurrentWal(sup(), *pg));

  struct Case {
    const char* what;
    Json body;
    int status;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"before the oldest backup",
       {{"type", "time"}, {"target", "2001-01-01T00:00:00Z"}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
      {"within the second the backup finished",
       {{"type", "time"}, {"target", same_second}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
      {"in the future",
       {{"type", "time"}, {"target", "2099-06-01T12:00:00Z"}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
      {"an impossible date",
       {{"type", "time"}, {"target", "2026-02-30T10:00:00Z"}, {"confirm", "main"}},
       400,
       "bad_request"},
      {"a time without an offset",
       {{"type", "time"},
        {"target", finished.substr(0, 10) + " " + finished.substr(11, 8)},
        {"confirm", "main"}},
       400,
       "bad_request"},
      {"without confirm", {{"type", "delta"}}, 400, "confirmation_required"},
      {"with the wrong confirm",
       {{"type", "delta"}, {"confirm", "Main"}},
       400,
       "confirmation_required"},
      {"an unknown set",
       {{"type", "set"}, {"set", "20010101-000000F"}, {"confirm", "main"}},
       400,
       "bad_request"},
      {"an LSN beyond the end of the WAL",
       {{"type", "lsn"}, {"target", "FF/0"}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
      {"an LSN before the oldest backup ended",
       {{"type", "lsn"}, {"target", "0/100"}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
      {"a transaction id far in the future",
       {{"type", "xid"}, {"target", "4000000000"}, {"confirm", "main"}},
       400,
       "unrecoverable_target"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const HttpAnswer answer = sup().post("/api/v1/restore", c.body);
    EXPECT_EQ(answer.status, c.status) << answer.body;
    const Json error = answer.json()["error"];
    EXPECT_EQ(error.value("code", ""), c.code) << answer.body;
    const std::string message = error.value("message", "");
    EXPECT_FALSE(message.empty());
    EXPECT_TRUE(!message.empty() && !std::isupper(static_cast<unsigned char>(message[0])))
        << message;
  }

  // A restore while a backup runs names the backup's job.
  const HttpAnswer backup = sup().post("/api/v1/backups", {{"type", "full"}});
  ASSERT_EQ(backup.status, 202) << backup.body;
  const std::string backup_id = backup.json()["job"].value("id", "");
  const HttpAnswer busy = sup().post("/api/v1/restore", {{"type", "delta"}, {"confirm", "main"}});
  EXPECT_EQ(busy.status, 409) << busy.body;
  EXPECT_EQ(busy.json()["error"].value("code", ""), "repository_busy") << busy.body;
  EXPECT_EQ(busy.json()["error"].value("job_id", ""), backup_id) << busy.body;
  EXPECT_EQ(sup().waitJob(backup_id).value("state", ""), "succeeded");

  EXPECT_EQ(postgresPid(sup()), pid);
  const Json status = sup().get("/api/v1/status").json();
  EXPECT_EQ(status["postgres"].value("state", ""), "RUNNING");
  EXPECT_EQ(status["postgres"].value("restarts", -1), 0);
  const Json jobs = sup().get("/api/v1/jobs?limit=100").json();
  for (const Json& job : jobs["jobs"]) {
    EXPECT_NE(job.value("kind", ""), "restore") << job.dump();
  }
  EXPECT_EQ(pg->value("select pg_backend_pid()"), backend);
}

// A restore point name that was never created: pgBackRest restores, Postgres replays the whole
// archive and pg_wal without meeting the target and exits. The job switches the target off and
// recovers to the end of the WAL: Postgres runs again with the data as it was (rows changed after
// the last archived segment included), the job fails saying so. While Postgres is stopped by hand
// afterwards, the window still ends where the repository says and archiving reads "unknown". A
// retry to a restore point that does exist, from the backup before it, works. That name carries
// shell syntax: it must reach pgBackRest and Postgres as data.
TEST_F(Restore, UnreachedTargetBringsTheDatabaseBackAsItWasAndARetryWorks) {
  PGBR_REQUIRE_ROOT();
  ASSERT_NO_FATAL_FAILURE(startSupervisor());
  const std::string marker = "/tmp/pgbr-it-pwned-" + std::to_string(::getpid());
  const std::string point = "before cleanup; $(touch " + marker + ") | rm -rf /";
  ASSERT_LE(point.size(), 63u);
  const std::string first_backup = sup().get("/api/v1/backups/latest").json().value("label", "");
  ASSERT_FALSE(first_backup.empty());
  std::string at_point;
  std::string as_it_was;
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create table keep(id int primary key, v text)"));
    ASSERT_TRUE(pg->exec("insert into keep select g, 'row ' || g from generate_series(1, 300) g"));
    at_point = checksum(*pg, "keep");
    ASSERT_FALSE(pg->value("select pg_create_restore_point('" + point + "')").empty());
    ASSERT_TRUE(pg->exec("delete from keep where id > 10"));
    ASSERT_TRUE(archiveCurrentWal(sup(), *pg));
    // Committed after the last archived segment: only pg_wal has it.
    ASSERT_TRUE(pg->exec("update keep set v = 'only in pg_wal' where id = 1"));
    as_it_was = checksum(*pg, "keep");
  }
  const Json before = sup().get("/api/v1/backups").json()["recoverable"];
  ASSERT_TRUE(before["to"].is_string()) << before.dump();

  const Json failed =
      restore(sup(), {{"type", "name"}, {"target", "never-created"}, {"confirm", "main"}});
  ASSERT_EQ(failed.value("state", ""), "failed") << failed.dump();
  EXPECT_EQ(failed["result"].value("postgres", ""), "as_before") << failed.dump();
  const std::string message = failed.value("message", "");
  EXPECT_NE(message.find("recovery ended before configured recovery target was reached"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("as it was before the restore"), std::string::npos) << message;
  {
    auto pg = sup().connect();
    ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
    EXPECT_EQ(checksum(*pg, "keep"), as_it_was);
  }
  const Json status = sup().get("/api/v1/status").json();
  EXPECT_EQ(status["last_restore"].value("id", ""), failed.value("id", "")) << status.dump();
  EXPECT_TRUE(sup().running()) << sup().output();
  // The new timeline gets its backup before anything else runs.
  EXPECT_EQ(sup().backupAfterRestore(failed.value("id", "")).value("state", ""), "succeeded");

  // The restored server's archiver starts from nothing: the window's end comes from the
  // repository and does not shrink. Stopped by hand: the same, and archiving is not called healthy.
  const Json window = sup().get("/api/v1/backups").json()["recoverable"];
  ASSERT_TRUE(window["to"].is_string()) << window.dump();
  // (The repository's file time has whole seconds and is set just before the archiver's.)
  EXPECT_GE(utcSeconds(window["to"]) + 1, utcSeconds(before["to"])) << window.dump();
  ASSERT_EQ(sup().post("/api/v1/processes/postgres/stop", Json::object()).status, 202);
  ASSERT_TRUE(eventually(
      [&] {
        const Json s = sup().get("/api/v1/status").json();
        return s["postgres"].value("state", "") == "STOPPED" &&
               s["archive"].value("state", "") == "unknown";
      },
      30s, 200ms));
  const Json stopped = sup().get("/api/v1/backups").json()["recoverable"];
  EXPECT_EQ(stopped["from"], window["from"]) << stopped.dump();
  ASSERT_TRUE(stopped["to"].is_string()) << stopped.dump();
  EXPECT_GE(utcSeconds(stopped["to"]), utcSeconds(window["to"])) << stopped.dump();
  const Json archive = sup().get("/api/v1/status").json()["archive"];
  EXPECT_EQ(archive["last_known"].value("state", ""), "healthy") << archive.dump();
  EXPECT_NE(archive.value("message", "").find("unknown while postgres is stopped"),
            std::string::npos)
      << archive.dump();
  ASSERT_EQ(sup().post("/api/v1/processes/postgres/start", Json::object()).status, 202);
  ASSERT_TRUE(eventually([&] { return sup().get("/readyz").status == 200; }, 60s, 200ms));

  // The point is older than the backup the new timeline got: start from the one before it.
  const Json retried = restore(
      sup(), {{"type", "name"}, {"target", point}, {"set", first_backup}, {"confirm", "main"}});
  ASSERT_EQ(retried.value("state", ""), "succeeded") << retried.dump() << "\n"
                                                     << sup().postgresLog();
  EXPECT_EQ(retried["result"].value("postgres", ""), "restored") << retried.dump();
  auto pg = sup().connect();
  ASSERT_NO_FATAL_FAILURE(expectPostgresBack(sup(), *pg));
  EXPECT_EQ(checksum(*pg, "keep"), at_point);
  EXPECT_FALSE(fs::exists(marker));
  fs::remove(marker);
}

}  // namespace
}  // namespace pgbr::it
