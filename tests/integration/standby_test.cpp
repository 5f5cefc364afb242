// Streaming standbys (PGBR_STANDBY_PRIMARY) against the real binary, Postgres and pgBackRest:
// supervisors on loopback sharing one s3rver repository over TLS. A standby bootstraps from the
// repository while the primary runs pgbench, streams, reports its lag, follows a restart of the
// primary, and is promoted (`pgbr-supervisor promote`): writable, with a backup of its new
// timeline, and a third, empty node recovers what it wrote. Then the replication role added to an
// existing primary, and the wrong primaries: an unreachable one, a wrong replication password, the
// server itself, and a repository that holds no backup yet.
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/metrics_check.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

constexpr const char* kReplicationPassword = "it-repl-pw-5Hq2";

std::map<std::string, std::string> withReplication(std::map<std::string, std::string> env) {
  env["POSTGRES_REPLICATION_USER"] = "replicator";
  env["POSTGRES_REPLICATION_PASSWORD"] = kReplicationPassword;
  return env;
}

std::map<std::string, std::string> standbyOf(const SupervisorUnderTest& primary,
                                             std::map<std::string, std::string> env) {
  env["PGBR_STANDBY_PRIMARY"] = "127.0.0.1:" + std::to_string(primary.pgPort());
  return env;
}

Json replication(const SupervisorUnderTest& sup) {
  const Json status = sup.get("/api/v1/status").json();
  return status.is_object() && status.contains("replication") ? status["replication"] : Json();
}

bool streaming(const SupervisorUnderTest& sup) {
  Json r = replication(sup);
  return field(r, "role") == "standby" && r["streaming"] == true;
}

// The standby's active "replication" alert, or null.
Json replicationAlert(const SupervisorUnderTest& sup) {
  const Json status = sup.get("/api/v1/status").json();
  if (status.is_object() && status.contains("alerts"))
    for (const Json& a : status["alerts"])
      if (field(a, "condition") == "replication") return a;
  return Json();
}

// Rows of pgbench_history: the writes of the primary's pgbench, as each server sees them.
std::string historyRows(const SupervisorUnderTest& sup) {
  return sup.connect()->value("select count(*) from pgbench_history");
}

TEST(Standby, StreamsFollowsARestartOfItsPrimaryAndIsPromoted) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  const auto repo = withReplication(s3.env(1, "/it-standby"));

  SupervisorUnderTest primary(dir.path() / "primary", repo);
  ASSERT_TRUE(primary.startAndSettle());
  auto init = run(pgbench(primary, {"-i", "-s", "2", "-q"}), withPassword());
  ASSERT_EQ(init.code, 0) << init.output;

  // The standby bootstraps from the repository while the primary is under load.
  CommandOutput bench;
  std::atomic<bool> bench_done{false};
  std::thread writer([&] {
    bench = run(pgbench(primary, {"-n", "-c", "2", "-T", "20"}), withPassword());
    bench_done = true;
  });
  SupervisorUnderTest standby(dir.path() / "standby", standbyOf(primary, repo));
  standby.start();
  const bool ready = standby.waitReady(180s);
  bool streamed = ready && eventually([&] { return streaming(standby); }, 60s, 250ms);
  int64_t max_lag = 0;
  while (!bench_done && streamed) {
    Json r = replication(standby);
    if (r.is_object() && r["lag_bytes"].is_number())
      max_lag = std::max(max_lag, r["lag_bytes"].get<int64_t>());
    std::this_thread::sleep_for(200ms);
  }
  writer.join();
  ASSERT_TRUE(ready) << standby.output();
  ASSERT_TRUE(streamed) << replication(standby).dump() << "\n" << standby.output();
  ASSERT_EQ(bench.code, 0) << bench.output;
  std::cout << "[ info ] largest lag seen under pgbench: " << max_lag << " bytes\n";
  const std::string out = standby.output();
  EXPECT_NE(out.find("bootstrap: restoring"), std::string::npos) << out;
  EXPECT_NE(out.find("no backups, checks or scheduled jobs run here"), std::string::npos) << out;
  EXPECT_EQ(out.find(kReplicationPassword), std::string::npos) << "the password was printed";
  struct stat pgpass {};
  ASSERT_EQ(::stat((standby.stateDir() / "replication.pgpass").c_str(), &pgpass), 0);
  EXPECT_EQ(pgpass.st_mode & 0777, 0600u);

  // Caught up: the same rows, no lag; the primary lists its standby.
  ASSERT_TRUE(eventually([&] { return historyRows(standby) == historyRows(primary); }, 30s))
      << historyRows(standby) << " vs " << historyRows(primary);
  ASSERT_TRUE(eventually(
      [&] {
        Json r = replication(standby);
        return r["lag_bytes"] == 0 && r["lag_seconds"] == 0;
      },
      30s))
      << replication(standby).dump();
  Json peers = replication(primary);
  EXPECT_EQ(field(peers, "role"), "primary") << peers.dump();
  ASSERT_EQ(peers["standbys"].size(), 1u) << peers.dump();
  EXPECT_EQ(field(peers["standbys"][0], "state"), "streaming") << peers.dump();
  EXPECT_EQ(field(peers["standbys"][0], "client"), "127.0.0.1") << peers.dump();

  // The lag, made visible: replay paused on the standby while the primary writes. It is
  // reported in bytes and seconds, and shrinks to nothing once replay resumes.
  ASSERT_TRUE(standby.connect()->exec("select pg_wal_replay_pause()"));
  {
    auto pg = primary.connect();
    ASSERT_TRUE(pg->exec("create table while_paused as select generate_series(1, 50000) g"));
  }
  Json lagging;
  ASSERT_TRUE(eventually(
      [&] {
        lagging = replication(standby);
        return lagging["lag_bytes"].is_number() && lagging["lag_bytes"].get<int64_t>() > 100000 &&
               lagging["lag_seconds"].is_number() && lagging["lag_seconds"].get<double>() > 0;
      },
      30s))
      << lagging.dump();
  const std::string metrics = standby.get("/metrics").body;
  expectPromtoolAccepts(metrics);
  expectPromtoolAccepts(primary.get("/metrics").body);
  EXPECT_NE(primary.get("/metrics").body.find("pgbr_replication_standbys 1"), std::string::npos);
  EXPECT_NE(metrics.find("pgbr_replication_standby 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgbr_replication_streaming 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgbr_replication_lag_bytes "), std::string::npos) << metrics;
  ASSERT_TRUE(standby.connect()->exec("select pg_wal_replay_resume()"));
  ASSERT_TRUE(eventually([&] { return replication(standby)["lag_bytes"] == 0; }, 30s))
      << replication(standby).dump();
  EXPECT_EQ(standby.connect()->value("select count(*) from while_paused"), "50000");

  // Nothing that writes the repository ran on the standby, and a backup asked of it is refused
  // with the reason rather than left to fail in pgBackRest.
  const HttpAnswer backup = standby.post("/api/v1/backups", Json{{"type", "incr"}});
  EXPECT_EQ(backup.status, 409) << backup.body;
  EXPECT_NE(backup.body.find("this server is a standby"), std::string::npos) << backup.body;
  const Json jobs = standby.get("/api/v1/jobs?limit=50").json();
  EXPECT_TRUE(jobs["jobs"].empty()) << jobs.dump();

  // The primary restarts: the standby loses it, then streams again and receives new writes.
  ASSERT_TRUE(primary.stop().has_value());
  EXPECT_TRUE(eventually([&] { return !streaming(standby); }, 30s)) << replication(standby).dump();
  ASSERT_TRUE(primary.startAndSettle());
  ASSERT_TRUE(primary.connect()->exec("create table after_restart as select 1 as one"));
  EXPECT_TRUE(eventually([&] { return streaming(standby); }, 60s)) << replication(standby).dump();
  EXPECT_TRUE(eventually(
      [&] { return standby.connect()->value("select count(*) from after_restart") == "1"; }, 30s));

  // Promotion. The API asks for the stanza as confirmation and refuses a primary; the command
  // line confirms by itself. The old primary is stopped first, as anyone promoting should.
  ASSERT_TRUE(primary.stop().has_value());
  const HttpAnswer unconfirmed = standby.post("/api/v1/promote", Json::object());
  EXPECT_EQ(unconfirmed.status, 400) << unconfirmed.body;
  EXPECT_NE(unconfirmed.body.find("confirmation_required"), std::string::npos) << unconfirmed.body;
  const std::map<std::string, std::string> cli_env = {
      {"PGBR_STATE_DIR", standby.stateDir().string()}, {"PGBR_API_TOKEN", standby.token()}};
  const CommandOutput promoted = run({binary(), "promote"}, cli_env);
  ASSERT_EQ(promoted.code, 0) << promoted.output << "\n" << standby.output();
  EXPECT_NE(promoted.output.find("promoted: writable on timeline 2"), std::string::npos)
      << promoted.output;
  auto pg = standby.connect();
  EXPECT_EQ(pg->value("select pg_is_in_recovery()"), "f");
  EXPECT_TRUE(pg->exec("insert into after_restart values (2)"));
  EXPECT_TRUE(eventually([&] { return field(replication(standby), "role") == "primary"; }, 10s));
  // The new timeline's first backup, then archiving into the same stanza on that timeline.
  const Json timeline_backup = standby.backupAfterRestore("");
  EXPECT_EQ(timeline_backup.value("state", ""), "succeeded") << timeline_backup.dump();
  const std::string segment = writeAndSwitchWal(standby);
  EXPECT_EQ(segment.substr(0, 8), "00000002");
  EXPECT_TRUE(waitArchived(standby, segment)) << lastArchivedWal(standby);
  const Json backups = standby.get("/api/v1/backups").json();
  EXPECT_GE(backups["backups"].size(), 2u) << backups.dump();

  const HttpAnswer again = standby.post("/api/v1/promote", Json{{"confirm", "main"}});
  EXPECT_EQ(again.status, 409) << again.body;
  const CommandOutput cli_again = run({binary(), "promote"}, cli_env);
  EXPECT_EQ(cli_again.code, 1) << cli_again.output;
  EXPECT_NE(cli_again.output.find("not a standby"), std::string::npos) << cli_again.output;
  EXPECT_EQ(standby.output().find(kReplicationPassword), std::string::npos);

  // Disaster recovery of what the promoted server wrote: it is lost, and a third, empty node
  // with PGBR_BOOTSTRAP=restore comes up from the same repository with every commit archived
  // before it went, on a timeline of its own, writable.
  ASSERT_TRUE(pg->exec("insert into after_restart values (3)"));
  const std::string last = writeAndSwitchWal(standby);
  ASSERT_TRUE(waitArchived(standby, last)) << lastArchivedWal(standby);
  pg.reset();
  ASSERT_TRUE(standby.stop().has_value());
  auto dr_env = repo;
  dr_env["PGBR_BOOTSTRAP"] = "restore";
  SupervisorUnderTest third(dir.path() / "third", dr_env);
  ASSERT_TRUE(third.startAndSettle());
  auto recovered = third.connect();
  EXPECT_EQ(recovered->value("select string_agg(one::text, ',' order by one) from after_restart"),
            "1,2,3");
  EXPECT_EQ(recovered->value("select count(*) from while_paused"), "50000");
  EXPECT_EQ(recovered->value("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"),
            "00000003");
  EXPECT_TRUE(recovered->exec("insert into after_restart values (4)"));
}

TEST(Standby, WrongPrimariesGiveAClearStateAndAnEmptyRepositoryIsWaitedFor) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();

  // No backup yet: the standby waits for one and says so, and stops cleanly when asked.
  {
    SupervisorUnderTest early(dir.path() / "early",
                              withReplication(s3.env(1, "/it-standby-empty")));
    early.env()["PGBR_STANDBY_PRIMARY"] = "127.0.0.1:1";
    early.start();
    EXPECT_TRUE(eventually(
        [&] { return early.output().find("to make a standby from yet") != std::string::npos; },
        90s))
        << early.output();
    EXPECT_TRUE(early.running());
    const std::optional<int> code = early.stop();
    EXPECT_EQ(code, 0) << early.output();
    std::error_code ec;
    EXPECT_FALSE(fs::exists(early.pgdata() / "PG_VERSION", ec));
  }

  const auto repo = withReplication(s3.env(1, "/it-standby-wrong"));
  // initdb's own rules trust replication from loopback; a password is only checked without them.
  auto primary_env = s3.env(1, "/it-standby-wrong");
  primary_env["POSTGRES_INITDB_ARGS"] = "--auth-host=scram-sha-256";
  SupervisorUnderTest primary(dir.path() / "primary", primary_env);
  ASSERT_TRUE(primary.startAndSettle());
  // The replication role asked for on a data directory that exists already: made at the next
  // start, with its pg_hba.conf rule, and a replication connection as it works.
  ASSERT_TRUE(primary.stop().has_value());
  primary.env() = withReplication(primary.env());
  ASSERT_TRUE(primary.startAndSettle());
  ASSERT_TRUE(eventually(
      [&] {
        return primary.output().find(
                   "appended a rule for replication connections of "
                   "replicator") != std::string::npos;
      },
      20s))
      << primary.output();
  EXPECT_NE(primary.output().find("created the replication role replicator"), std::string::npos);
  const CommandOutput identified = run({"psql",
                                        "host=127.0.0.1 port=" + std::to_string(primary.pgPort()) +
                                            " user=replicator password=" + kReplicationPassword +
                                            " dbname=postgres replication=database",
                                        "-Atc", "IDENTIFY_SYSTEM"});
  EXPECT_EQ(identified.code, 0) << identified.output;

  // An unreachable primary (nothing listens) and a wrong password: each standby comes up from
  // the repository, read-only, and says why it does not stream; Postgres keeps retrying.
  auto unreachable_env = repo;
  unreachable_env["PGBR_STANDBY_PRIMARY"] = "127.0.0.1:" + std::to_string(freePort());
  unreachable_env["PGBR_NOTIFY_STANDBY_S"] = "10";
  SupervisorUnderTest unreachable(dir.path() / "unreachable", unreachable_env);
  auto wrong_env = standbyOf(primary, repo);
  wrong_env["POSTGRES_REPLICATION_PASSWORD"] = "not-the-password";
  wrong_env["PGBR_NOTIFY_STANDBY_S"] = "10";
  SupervisorUnderTest wrong(dir.path() / "wrong", wrong_env);
  unreachable.start();
  wrong.start();
  const std::vector<std::pair<SupervisorUnderTest*, std::string>> cases = {
      {&unreachable, "refused"}, {&wrong, "password authentication failed"}};
  for (const auto& [sup, expected] : cases) {
    ASSERT_TRUE(sup->waitReady(180s)) << sup->output();
    Json r;
    EXPECT_TRUE(eventually(
        [&] {
          r = replication(*sup);
          return field(r, "role") == "standby" && r["primary_error"].is_string() &&
                 r["primary_error"].get<std::string>().find(expected) != std::string::npos;
        },
        60s))
        << r.dump();
    EXPECT_EQ(r["streaming"], false) << r.dump();
    EXPECT_EQ(sup->connect()->value("select pg_is_in_recovery()"), "t");
    EXPECT_TRUE(sup->running());
    EXPECT_NE(sup->output().find("standby: not streaming"), std::string::npos) << sup->output();
    // Still waiting for a promotion, it tells that it does not stream: the replication alert.
    Json alert;
    EXPECT_TRUE(eventually([&] { return (alert = replicationAlert(*sup)).is_object(); }, 60s))
        << sup->get("/api/v1/status").body;
    EXPECT_EQ(field(alert, "severity"), "warning") << alert.dump();
    EXPECT_NE(field(alert, "message").find("has not streamed from its primary 127.0.0.1:"),
              std::string::npos)
        << alert.dump();
  }
  EXPECT_EQ(wrong.output().find("not-the-password"), std::string::npos);
  // The password put right: the standby streams, and the alert (kept across the restart) is
  // resolved.
  ASSERT_TRUE(wrong.stop().has_value());
  wrong.env()["POSTGRES_REPLICATION_PASSWORD"] = kReplicationPassword;
  wrong.start();
  ASSERT_TRUE(wrong.waitReady(180s)) << wrong.output();
  EXPECT_TRUE(eventually([&] { return streaming(wrong); }, 60s)) << replication(wrong).dump();
  EXPECT_TRUE(eventually([&] { return replicationAlert(wrong).is_null(); }, 30s))
      << wrong.get("/api/v1/status").body;

  // The server itself as its primary is refused before anything starts.
  SupervisorUnderTest self(dir.path() / "self", repo);
  self.env()["PGBR_STANDBY_PRIMARY"] = "localhost:" + std::to_string(self.pgPort());
  self.start();
  const std::optional<int> code = self.waitExit(30s);
  ASSERT_TRUE(code.has_value()) << self.output();
  EXPECT_EQ(*code, 2) << self.output();
  EXPECT_NE(self.output().find("is this server itself"), std::string::npos) << self.output();
}

}  // namespace
}  // namespace pgbr::it
