// Bootstrap from the repository (PGBR_BOOTSTRAP=restore) against the real binary, Postgres and
// pgBackRest, several supervisors sharing one posix repository: a clone into another stanza, a
// disaster recovery onto an empty node, a data directory that already holds a database, a second
// primary on a stanza that is not its own, a repository with nothing to restore, and the
// start-up's stanza-create meeting the stanza's lock taken.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

// Every file under `dir` with its size and modification time: equal listings mean nothing in it
// was written.
std::map<std::string, std::string> listing(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    const auto time = fs::last_write_time(it->path(), ec).time_since_epoch().count();
    out[fs::relative(it->path(), dir).string()] =
        std::to_string(it->file_size()) + "@" + std::to_string(time);
  }
  return out;
}

std::map<std::string, std::string> repoEnv(const fs::path& repo,
                                           std::map<std::string, std::string> more = {}) {
  more["PGBACKREST_REPO1_PATH"] = repo.string();
  return more;
}

TEST(Bootstrap, CloneDisasterRecoveryAndAnExistingDataDirectory) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const fs::path repo = dir.path() / "repo";

  // The source: a primary of stanza main with a table, its WAL archived, then lost.
  SupervisorUnderTest primary(dir.path() / "primary",
                              repoEnv(repo, {{"POSTGRES_REPLICATION_USER", "replicator"},
                                             {"POSTGRES_REPLICATION_PASSWORD", "repl-pw"}}));
  ASSERT_TRUE(primary.startAndSettle());
  {
    auto pg = primary.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    // The replication role of POSTGRES_REPLICATION_USER, with its pg_hba.conf rule, and a
    // replication connection as it.
    EXPECT_EQ(pg->value("select rolreplication and rolcanlogin and not rolsuper from pg_roles "
                        "where rolname = 'replicator'"),
              "t");
    EXPECT_EQ(pg->value("select count(*) from pg_hba_file_rules where type = 'host' and "
                        "database = '{replication}' and user_name = '{replicator}'"),
              "1");
    const CommandOutput identified =
        run({"psql",
             "host=127.0.0.1 port=" + std::to_string(primary.pgPort()) +
                 " user=replicator password=repl-pw dbname=postgres replication=database",
             "-Atc", "IDENTIFY_SYSTEM"});
    EXPECT_EQ(identified.code, 0) << identified.output;
    EXPECT_NE(identified.output.find("|1|"), std::string::npos) << identified.output;
    ASSERT_TRUE(pg->exec("create table kept(id int primary key, note text)"));
    ASSERT_TRUE(pg->exec("insert into kept select g, 'row ' || g from generate_series(1, 5000) g"));
  }
  const std::string segment = writeAndSwitchWal(primary);
  ASSERT_TRUE(waitArchived(primary, segment)) << "last archived: " << lastArchivedWal(primary);
  ASSERT_TRUE(primary.stop().has_value());

  // PGBR_BOOTSTRAP=restore never touches a data directory that holds a database.
  primary.env()["PGBR_BOOTSTRAP"] = "restore";
  ASSERT_TRUE(primary.startAndSettle());
  EXPECT_EQ(primary.output().find("bootstrap: restoring"), std::string::npos) << primary.output();
  EXPECT_EQ(primary.connect()->value("select count(*) from kept"), "5000");
  EXPECT_EQ(primary.connect()->value("select pg_is_in_recovery()"), "f");
  ASSERT_TRUE(primary.stop().has_value());

  const auto main_archive = listing(repo / "archive" / "main");
  const auto main_backup = listing(repo / "backup" / "main");
  ASSERT_FALSE(main_archive.empty());
  ASSERT_FALSE(main_backup.empty());

  // A second primary of stanza main (its own initdb, another system id) is refused by
  // pgBackRest's system-id check and writes nothing into main.
  {
    SupervisorUnderTest stranger(dir.path() / "stranger", repoEnv(repo));
    ASSERT_TRUE(stranger.startAndSettle());
    const Json jobs = stranger.get("/api/v1/jobs?limit=10").json();
    bool refused = false;
    for (const Json& job : jobs["jobs"])
      if (job.value("kind", "") == "stanza-create")
        refused = job.value("state", "") == "failed" &&
                  job.value("message", "").find("do not match") != std::string::npos;
    EXPECT_TRUE(refused) << jobs.dump();
    // pgBackRest calls main ok and lists the source's backup, none of it the stranger's: the
    // status says so, the repository alert fires, and a restore (which would replace the
    // stranger's data with the source's) is refused with nothing changed.
    const std::string own_id =
        stranger.connect()->value("select system_identifier::text from pg_control_system()");
    Json repository;
    EXPECT_TRUE(eventually(
        [&] {
          repository = stranger.get("/api/v1/status").json()["repository"];
          return repository.is_object() && repository["stanza_mismatch"].is_string();
        },
        60s))
        << repository.dump();
    const std::string why = repository.value("stanza_mismatch", "");
    EXPECT_NE(why.find("another database"), std::string::npos) << why;
    EXPECT_NE(why.find("system identifier " + own_id + ", PostgreSQL "), std::string::npos) << why;
    Json alert;
    EXPECT_TRUE(eventually(
        [&] {
          const Json status = stranger.get("/api/v1/status").json();
          for (const Json& a : status["alerts"])
            if (a.value("condition", "") == "repository") alert = a;
          return alert.is_object();
        },
        60s));
    EXPECT_EQ(alert.value("severity", ""), "critical") << alert.dump();
    EXPECT_NE(alert.value("message", "").find("not this database's"), std::string::npos);
    ASSERT_TRUE(stranger.connect()->exec("create table mine(x int); insert into mine values (1)"));
    const std::string started = stranger.connect()->value("select pg_postmaster_start_time()");
    const HttpAnswer restore =
        stranger.post("/api/v1/restore", {{"type", "delta"}, {"confirm", "main"}});
    EXPECT_EQ(restore.status, 409) << restore.body;
    EXPECT_NE(restore.body.find("nothing was changed"), std::string::npos) << restore.body;
    EXPECT_EQ(stranger.connect()->value("select pg_postmaster_start_time()"), started);
    EXPECT_EQ(stranger.connect()->value("select count(*) from mine"), "1");
    // Nor does it take dumps into the other database's stanza folder, or drill its backups.
    const auto dumps_before = listing(repo / "dumps");
    for (const char* route : {"/api/v1/dumps", "/api/v1/drills"}) {
      const HttpAnswer answer = stranger.post(route, Json::object());
      EXPECT_EQ(answer.status, 409) << route << " " << answer.body;
      EXPECT_NE(answer.body.find("another database"), std::string::npos) << answer.body;
    }
    EXPECT_EQ(listing(repo / "dumps"), dumps_before);
    // Stopped, Postgres cannot say who it is: the last known identity still refuses the restore
    // (the moment a restore is most wanted), and the status still names the mismatch.
    ASSERT_EQ(stranger.post("/api/v1/processes/postgres/stop", Json::object()).status, 202);
    Json down;
    EXPECT_TRUE(eventually(
        [&] {
          down = stranger.get("/api/v1/status").json();
          return down.is_object() && down["archive"].value("state", "") == "unknown";
        },
        60s))
        << down.dump();
    EXPECT_TRUE(down["repository"]["stanza_mismatch"].is_string()) << down.dump();
    EXPECT_EQ(down["postgres"].value("system_identifier", ""), own_id) << down.dump();
    const HttpAnswer while_down =
        stranger.post("/api/v1/restore", {{"type", "delta"}, {"confirm", "main"}});
    EXPECT_EQ(while_down.status, 409) << while_down.body;
    EXPECT_NE(while_down.body.find("another database"), std::string::npos) << while_down.body;
    ASSERT_EQ(stranger.post("/api/v1/processes/postgres/start", Json::object()).status, 202);
    ASSERT_TRUE(stranger.waitReady());
    EXPECT_EQ(stranger.connect()->value("select count(*) from mine"), "1");
    writeAndSwitchWal(stranger);
    ASSERT_TRUE(stranger.stop().has_value());
  }

  // A clone: restored from main, archiving and backing up into staging only.
  {
    SupervisorUnderTest clone(dir.path() / "clone",
                              repoEnv(repo, {{"PGBR_BOOTSTRAP", "restore"},
                                             {"PGBR_BOOTSTRAP_STANZA", "main"},
                                             {"PGBR_STANZA", "staging"}}));
    ASSERT_TRUE(clone.startAndSettle());
    EXPECT_NE(clone.output().find("bootstrap: restoring"), std::string::npos) << clone.output();
    EXPECT_EQ(clone.output().find("initializing"), std::string::npos) << clone.output();
    auto pg = clone.connect();
    EXPECT_EQ(pg->value("select count(*) from kept"), "5000");
    EXPECT_EQ(pg->value("select pg_is_in_recovery()"), "f");
    EXPECT_TRUE(pg->exec("insert into kept values (5001, 'written on the clone')"));
    const std::string clone_segment = writeAndSwitchWal(clone);
    EXPECT_TRUE(waitArchived(clone, clone_segment)) << lastArchivedWal(clone);
    const Json backups = clone.get("/api/v1/backups").json();
    ASSERT_TRUE(backups.is_object()) << backups.dump();
    EXPECT_FALSE(listing(repo / "backup" / "staging").empty());
    EXPECT_FALSE(listing(repo / "archive" / "staging").empty());
    ASSERT_TRUE(clone.stop().has_value());
  }
  EXPECT_EQ(listing(repo / "archive" / "main"), main_archive) << "main was written";
  EXPECT_EQ(listing(repo / "backup" / "main"), main_backup) << "main was written";

  // Disaster recovery: an empty node of stanza main comes up with every archived commit, on a
  // new timeline, writable, and takes a backup of that timeline.
  SupervisorUnderTest recovered(dir.path() / "recovered",
                                repoEnv(repo, {{"PGBR_BOOTSTRAP", "restore"}}));
  // As if an earlier bootstrap had been killed halfway: some files restored (PG_VERSION among
  // them, so the directory looks like a database) and the marker left in the state folder.
  writeFile(recovered.pgdata() / "PG_VERSION", "15\n");
  writeFile(recovered.pgdata() / "base" / "1" / "1259", "half a relation");
  writeFile(recovered.stateDir() / "bootstrap-incomplete", recovered.pgdata().string() + "\n");
  chownToPostgres(dir.path() / "recovered");
  ASSERT_TRUE(recovered.startAndSettle());
  EXPECT_NE(recovered.output().find("did not finish: emptying it and restoring again"),
            std::string::npos)
      << recovered.output();
  auto pg = recovered.connect();
  EXPECT_EQ(pg->value("select count(*) from kept"), "5000");
  EXPECT_EQ(pg->value("select count(*) from kept where id = 5001"), "0") << "the clone's row";
  EXPECT_EQ(pg->value("select pg_is_in_recovery()"), "f");
  EXPECT_GT(pg->value("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), "00000001");
  EXPECT_TRUE(pg->exec("insert into kept values (6000, 'after the recovery')"));
  EXPECT_FALSE(fs::exists(recovered.stateDir() / "bootstrap-incomplete"));
  // The new timeline gets a backup of its own, as after a restore through the API.
  const Json timeline_backup = recovered.backupAfterRestore("");
  EXPECT_EQ(timeline_backup.value("state", ""), "succeeded") << timeline_backup.dump();
}

// Right after a bootstrap's promotion Postgres archives the new timeline's history file at once,
// and the asynchronous archive-push holds the stanza's archive lock that stanza-create needs.
// stanza-create tries again instead of leaving the database without a stanza (and unbacked).
// Here the test holds the lock until the supervisor says it will try again.
TEST(Bootstrap, StanzaCreateTriesAgainWhenTheStanzasLockIsTaken) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  const fs::path lock = sup.stateDir() / "lock" / "main-archive.lock";
  fs::create_directories(lock.parent_path());
  const int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchmod(fd, 0666), 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  sup.start();
  const bool retried = eventually(
      [&] { return sup.output().find("found the stanza's lock taken") != std::string::npos; }, 120s,
      100ms);
  ::close(fd);  // the lock goes with it
  ASSERT_TRUE(retried) << sup.output();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
  // One stanza-create job, succeeded, whose log tells of the wait: no failure to alert about.
  std::vector<Json> creates;
  const Json jobs = sup.get("/api/v1/jobs?limit=20").json();
  for (const Json& job : jobs["jobs"])
    if (job.value("kind", "") == "stanza-create") creates.push_back(job);
  ASSERT_EQ(creates.size(), 1u) << jobs.dump();
  EXPECT_EQ(creates[0].value("state", ""), "succeeded") << creates[0].dump();
  const std::string log = sup.get("/api/v1/jobs/" + creates[0].value("id", "") + "/log").body;
  EXPECT_NE(log.find("the stanza's lock is taken (attempt 1 of 5)"), std::string::npos) << log;
  EXPECT_EQ(sup.output().find("stanza-create failed"), std::string::npos) << sup.output();
  const Json backups = sup.get("/api/v1/backups").json();
  ASSERT_TRUE(backups.is_object()) << backups.dump();
  EXPECT_EQ(backups["backups"].size(), 1u) << backups.dump();  // the first full backup
}

TEST(Bootstrap, NothingToRestoreStopsWithOneLineAndAnEmptyDirectory) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(),
                          repoEnv(dir.path() / "repo", {{"PGBR_BOOTSTRAP", "restore"}}));
  sup.start();
  const std::optional<int> code = sup.waitExit(120s);
  ASSERT_TRUE(code.has_value()) << sup.output();
  EXPECT_EQ(*code, 1) << sup.output();
  const std::string out = sup.output();
  EXPECT_NE(out.find("the repository holds no backup of stanza main"), std::string::npos) << out;
  EXPECT_EQ(out.find("initializing"), std::string::npos) << out;
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(sup.pgdata(), ec) || fs::is_empty(sup.pgdata(), ec));
  EXPECT_FALSE(fs::exists(sup.stateDir() / "bootstrap-incomplete"));
}

TEST(Bootstrap, BootstrapAndReplicationSettingsThatDoNotFitAreRefusedAtStart) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"PGBR_BOOTSTRAP", "restor"}}, "is not a way to bootstrap"},
      {{{"PGBR_BOOTSTRAP_STANZA", "prod"}}, "only apply with PGBR_BOOTSTRAP=restore"},
      {{{"PGBR_BOOTSTRAP", "restore"}, {"PGBR_BOOTSTRAP_TYPE", "time"}}, "needs a target"},
      {{{"PGBR_BOOTSTRAP", "restore"}, {"PGBR_BOOTSTRAP_TARGET", "1/0"}}, "TYPE is latest"},
      {{{"PGBR_BOOTSTRAP", "restore"}, {"PGBR_BOOTSTRAP_STANZA", "a b"}}, "not a stanza name"},
      {{{"POSTGRES_REPLICATION_PASSWORD", "pw"}}, "POSTGRES_REPLICATION_USER is not"},
      {{{"POSTGRES_REPLICATION_USER", "replicator"}}, "needs POSTGRES_REPLICATION_PASSWORD"},
      {{{"POSTGRES_REPLICATION_USER", "postgres"}, {"POSTGRES_REPLICATION_PASSWORD", "pw"}},
       "is the superuser POSTGRES_USER"},
  };
  int i = 0;
  for (const auto& [env, expected] : cases) {
    SupervisorUnderTest sup(dir.path() / std::to_string(i++), env);
    sup.start();
    const std::optional<int> code = sup.waitExit(30s);
    ASSERT_TRUE(code.has_value()) << expected;
    EXPECT_EQ(*code, 2) << sup.output();
    EXPECT_NE(sup.output().find(expected), std::string::npos) << sup.output();
    EXPECT_FALSE(fs::exists(sup.pgdata() / "PG_VERSION")) << expected;
  }
}

}  // namespace
}  // namespace pgbr::it
