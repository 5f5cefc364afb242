// The restore drill through the real binary (supervisor/drill/): a backup restored into a
// scratch copy beside the live cluster with real Postgres and pgBackRest, checked with
// pg_amcheck and row counts, against a local repository and against S3 over TLS. It passes on a
// healthy repository with the counts right, fails loudly when a file of the backup is damaged or
// gone, leaves nothing behind after a SIGKILL of the supervisor mid-drill, and never touches the
// live cluster (its data, its sessions, its archiving).
#include <sys/stat.h>

#include <algorithm>

#include "tests/integration/harness.h"
#include "tests/integration/metrics_check.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

// Recording row counts needs drills enabled; this schedule never fires during a test.
const std::map<std::string, std::string> kDrillEnv{{"PGBR_SCHEDULE_DRILL", "0 0 1 1 *"}};

bool alive(pid_t pid) {
  const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

fs::path scratchData(const SupervisorUnderTest& sup) {
  return sup.stateDir() / "drill" / "data";
}

// Tables with known contents in database "app"; returns the backup's label.
std::string prepareAndBackup(SupervisorUnderTest& sup) {
  {
    auto pg = sup.connect();
    EXPECT_TRUE(pg->ok()) << pg->error();
    pg->exec("create database app");
  }
  auto app = sup.connect("app");
  EXPECT_TRUE(app->ok()) << app->error();
  EXPECT_TRUE(app->exec("create table orders(id int primary key, note text)"));
  EXPECT_TRUE(
      app->exec("insert into orders select g, repeat('x', 50) from generate_series(1, 1000) g"));
  EXPECT_TRUE(app->exec("create schema sales"));
  EXPECT_TRUE(app->exec("create table sales.items(id bigserial primary key, v int)"));
  EXPECT_TRUE(app->exec("insert into sales.items(v) select g from generate_series(1, 500) g"));
  EXPECT_TRUE(app->exec("create unlogged table scratchpad(x int)"));
  EXPECT_TRUE(app->exec("insert into scratchpad select generate_series(1, 10)"));
  EXPECT_TRUE(app->exec("create table later(x int)"));
  // Statistics reach pg_stat_user_tables when the session goes idle, up to seconds later.
  EXPECT_TRUE(app->exec("select pg_stat_force_next_flush()"));
  Json job = sup.backup("full");
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  // Written after the backup: the copy holds the rows the backup holds, not these.
  EXPECT_TRUE(app->exec("insert into later select generate_series(1, 77)"));
  return field(job, "backup_label");
}

Json startDrill(const SupervisorUnderTest& sup, const Json& body = Json::object()) {
  HttpAnswer a = sup.post("/api/v1/drills", body);
  EXPECT_EQ(a.status, 202) << a.body;
  return a.json();
}

Json waitDrill(SupervisorUnderTest& sup, const std::string& id) {
  Json job = sup.waitJob(id, 300s);
  EXPECT_TRUE(job.is_object()) << sup.output();
  return sup.get("/api/v1/drills/" + id).json();
}

const Json* tableOf(const Json& drill, const std::string& db, const std::string& schema,
                    const std::string& name) {
  for (const Json& d : drill["report"]["databases"])
    if (d["name"] == db)
      for (const Json& t : d["tables"])
        if (t["schema"] == schema && t["name"] == name) return &t;
  return nullptr;
}

void expectCounts(const Json& drill, const std::string& schema, const std::string& name,
                  int64_t rows, const std::string& status) {
  const Json* t = tableOf(drill, "app", schema, name);
  ASSERT_NE(t, nullptr) << schema << "." << name << " not in " << drill["report"].dump();
  EXPECT_EQ((*t)["status"], status) << t->dump();
  EXPECT_EQ((*t)["copy"], rows) << t->dump();
  if (status == "equal") {
    EXPECT_EQ((*t)["recorded"], rows) << t->dump();
  }
}

void expectPassedWithCounts(const Json& drill, const std::string& label) {
  ASSERT_EQ(drill["result"], "passed") << drill.dump(1);
  EXPECT_EQ(drill["set"], label);
  EXPECT_GT(drill["restore_s"].get<double>(), 0);
  EXPECT_GE(drill["ready_s"].get<double>(), 0);
  EXPECT_TRUE(drill["amcheck"]["ok"].get<bool>()) << drill["amcheck"].dump();
  EXPECT_TRUE(drill["tables"]["counts_recorded"].get<bool>());
  expectCounts(drill, "public", "orders", 1000, "equal");
  expectCounts(drill, "sales", "items", 500, "equal");
  expectCounts(drill, "public", "later", 0, "equal");
  expectCounts(drill, "public", "scratchpad", 0, "unlogged");
  EXPECT_EQ(drill["tables"]["failed"], 0);
}

// Everything about the live cluster a drill must leave alone.
struct LiveFacts {
  std::string checksum;
  std::string postmaster_start;
  std::string backend_pid;
};
LiveFacts liveFacts(Pg& session) {
  return {session.value("select md5(string_agg(o::text, ',' order by id)) from orders o") +
              session.value("select md5(string_agg(i::text, ',' order by id)) from sales.items i"),
          session.value("select pg_postmaster_start_time()::text"),
          session.value("select pg_backend_pid()::text")};
}

TEST(Drill, PassesOnAHealthyRepositoryAndNeverTouchesTheLiveCluster) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kDrillEnv);
  ASSERT_TRUE(sup.startAndSettle());
  const std::string label = prepareAndBackup(sup);
  ASSERT_FALSE(label.empty());

  auto session = sup.connect("app");  // one session held open across the drill
  ASSERT_TRUE(session->ok());
  const LiveFacts before = liveFacts(*session);
  const std::string archived_before = session->value("select archived_count from pg_stat_archiver");
  // The live archive-push keeps its queue in the stanza's spool folder, which a pgBackRest
  // restore empties: the copy's restore must never be given that folder.
  const fs::path live_spool = sup.stateDir() / "spool" / "archive" / "main";
  fs::create_directories(live_spool);
  writeFile(live_spool / "sentinel", "the live spool\n");

  const Json started = startDrill(sup);
  const std::string id = started["job"]["id"];
  EXPECT_EQ(started["job"]["kind"], "drill");
  // One job at a time: a backup or a second drill meanwhile is refused with the drill's id.
  HttpAnswer busy = sup.post("/api/v1/drills", Json::object());
  if (busy.status != 202) {
    EXPECT_EQ(busy.status, 409) << busy.body;
    EXPECT_EQ(busy.json()["error"]["code"], "repository_busy");
    EXPECT_EQ(busy.json()["error"]["job_id"], id);
  }
  // While the copy runs: on its own socket, never on the live port; the live cluster keeps
  // answering and archiving (a segment switched now reaches the repository).
  // postmaster.pid is written in steps: wait for the line with the socket folder.
  const std::string sock = (sup.stateDir() / "drill" / "sock").string();
  std::string pidfile;
  const bool saw_copy = eventually(
      [&] {
        pidfile = readFile(scratchData(sup) / "postmaster.pid");
        return pidfile.find(sock) != std::string::npos;
      },
      120s, 20ms);
  EXPECT_TRUE(saw_copy) << "the copy never ran on its own socket " << sock << ": " << pidfile;
  EXPECT_EQ(pidfile.find("\n" + std::to_string(sup.pgPort()) + "\n"), std::string::npos) << pidfile;
  EXPECT_EQ(session->value("select count(*) from orders"), "1000");
  session->value("select pg_switch_wal()");

  const Json drill = waitDrill(sup, id);
  expectPassedWithCounts(drill, label);
  EXPECT_EQ(drill["job"]["state"], "succeeded");
  EXPECT_NE(field(drill["job"], "message").find("drill passed"), std::string::npos);
  EXPECT_FALSE(drill["log"].empty());
  EXPECT_FALSE(fs::exists(scratchData(sup))) << "the copy was not removed";

  // The live cluster: same data, same postmaster, same session, archiving went on.
  const LiveFacts after = liveFacts(*session);
  EXPECT_EQ(after.checksum, before.checksum);
  EXPECT_EQ(after.postmaster_start, before.postmaster_start);
  EXPECT_EQ(after.backend_pid, before.backend_pid);
  EXPECT_TRUE(eventually(
      [&] {
        return std::stol(session->value("select archived_count from pg_stat_archiver")) >
               std::stol(archived_before);
      },
      60s));
  EXPECT_EQ(session->value("select failed_count from pg_stat_archiver"), "0");
  EXPECT_TRUE(fs::exists(live_spool / "sentinel")) << "the drill's restore emptied the live spool";

  // The overview's line and the metrics.
  const Json status = sup.get("/api/v1/status").json();
  EXPECT_EQ(status["drill"]["last"]["result"], "passed") << status["drill"].dump();
  EXPECT_TRUE(status["drill"]["last_success_at"].is_string());
  const std::string metrics = sup.get("/metrics").body;
  EXPECT_NE(metrics.find("pgbr_drill_status 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgbr_drill_last_success_timestamp_seconds "), std::string::npos);
  EXPECT_NE(metrics.find("pgbr_drill_duration_seconds{phase=\"restore\"}"), std::string::npos);
  expectPromtoolAccepts(metrics);
  expectEveryFamilyHasSamples(readExposition(metrics));
  const Json list = sup.get("/api/v1/drills").json();
  ASSERT_FALSE(list["drills"].empty()) << list.dump();
  EXPECT_EQ(list["drills"][0]["id"], id);
  EXPECT_EQ(sup.get("/api/v1/drills/nope").status, 404);
  EXPECT_EQ(sup.post("/api/v1/drills", Json{{"set", "bogus"}}).status, 400);
}

// Damages the relation file of app.orders in the newest backup: `remove` deletes it, otherwise
// bytes in its middle are overwritten. Returns the path.
fs::path damageBackupFile(SupervisorUnderTest& sup, const std::string& label, bool remove) {
  auto app = sup.connect("app");
  const std::string rel = app->value("select pg_relation_filepath('orders')");
  const fs::path file =
      sup.stateDir() / "repo" / "backup" / "main" / label / "pg_data" / (rel + ".zst");
  EXPECT_TRUE(fs::exists(file)) << file;
  if (remove) {
    fs::remove(file);
  } else {
    std::string bytes = readFile(file);
    EXPECT_GT(bytes.size(), 64u);
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 32 && i < bytes.size(); ++i)
      bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  }
  return file;
}

void expectLoudFailure(SupervisorUnderTest& sup, const std::string& label) {
  const Json started = startDrill(sup);
  const Json drill = waitDrill(sup, started["job"]["id"]);
  EXPECT_EQ(drill["result"], "failed") << drill.dump(1);
  EXPECT_NE(field(drill, "reason").find("the restore failed"), std::string::npos) << drill.dump(1);
  EXPECT_EQ(drill["job"]["state"], "failed");
  const std::string message = field(drill["job"], "message");
  EXPECT_NE(message.find("drill FAILED for backup " + label), std::string::npos) << message;
  const Json status = sup.get("/api/v1/status").json();
  EXPECT_EQ(status["drill"]["last"]["result"], "failed");
  EXPECT_NE(sup.get("/metrics").body.find("pgbr_drill_status 1"), std::string::npos);
  EXPECT_FALSE(fs::exists(scratchData(sup)));
  // The live cluster is untouched by the failure.
  auto app = sup.connect("app");
  EXPECT_EQ(app->value("select count(*) from orders"), "1000");
}

// A backup after the first counts again only the tables written since the first one's count:
// the record says which counts were carried, and a drill of the new backup still passes.
TEST(Drill, ALaterBackupCountsOnlyTheTablesWrittenSince) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kDrillEnv);
  ASSERT_TRUE(sup.startAndSettle());
  ASSERT_FALSE(prepareAndBackup(sup).empty());
  {
    auto app = sup.connect("app");
    ASSERT_TRUE(app->exec("insert into sales.items(v) select g from generate_series(1, 25) g"));
    // Statistics reach pg_stat_user_tables when the session goes idle, up to seconds later.
    ASSERT_TRUE(app->exec("select pg_stat_force_next_flush()"));
  }
  const Json incr = sup.backup("incr");
  ASSERT_EQ(incr["state"], "succeeded") << incr.dump();
  const std::string label = field(incr, "backup_label");
  const Json record = Json::parse(
      readFile(sup.stateDir() / "drills" / "row-counts" / (label + ".json")), nullptr, false);
  ASSERT_TRUE(record.is_object()) << label;
  auto entry = [&](const std::string& schema, const std::string& name) {
    for (const Json& d : record["databases"])
      if (d["name"] == "app")
        for (const Json& t : d["tables"])
          if (t["schema"] == schema && t["name"] == name) return t;
    return Json();
  };
  EXPECT_TRUE(entry("public", "orders").value("carried", false)) << record.dump(1);
  EXPECT_EQ(entry("public", "orders")["rows"], 1000);
  EXPECT_FALSE(entry("sales", "items").value("carried", false)) << record.dump(1);
  EXPECT_EQ(entry("sales", "items")["rows"], 525);
  EXPECT_FALSE(entry("public", "later").value("carried", false)) << "written after the first";
  EXPECT_EQ(entry("public", "later")["rows"], 77);
  const std::string log = sup.get("/api/v1/jobs/" + field(incr, "id") + "/log?tail=100").body;
  EXPECT_NE(log.find("unchanged since the previous backup's count, not counted again"),
            std::string::npos)
      << log;
  const Json drill = waitDrill(sup, startDrill(sup)["job"]["id"]);
  ASSERT_EQ(drill["result"], "passed") << drill.dump(1);
  EXPECT_EQ(drill["set"], label);
  expectCounts(drill, "public", "orders", 1000, "equal");
  expectCounts(drill, "sales", "items", 525, "equal");
  expectCounts(drill, "public", "later", 77, "equal");
}

TEST(Drill, FailsLoudlyWhenAFileOfTheBackupIsCorrupt) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kDrillEnv);
  ASSERT_TRUE(sup.startAndSettle());
  const std::string label = prepareAndBackup(sup);
  damageBackupFile(sup, label, false);
  expectLoudFailure(sup, label);
}

TEST(Drill, FailsLoudlyWhenAFileOfTheBackupIsMissing) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kDrillEnv);
  ASSERT_TRUE(sup.startAndSettle());
  const std::string label = prepareAndBackup(sup);
  damageBackupFile(sup, label, true);
  expectLoudFailure(sup, label);
}

TEST(Drill, ASigkilledSupervisorLeavesNoCopyAfterItsNextStart) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kDrillEnv);
  ASSERT_TRUE(sup.startAndSettle());
  {
    auto pg = sup.connect();
    // Enough tables that checking the copy takes a moment: the kill lands while it runs.
    pg->exec(
        "do $$ begin for i in 1..300 loop execute format('create table t%s(id int primary "
        "key, v text)', i); execute format('insert into t%s select g, g::text from "
        "generate_series(1, 200) g', i); end loop; end $$");
  }
  ASSERT_EQ(sup.backup("full")["state"], "succeeded");
  const Json started = startDrill(sup);
  const std::string id = started["job"]["id"];
  ASSERT_TRUE(
      eventually([&] { return fs::exists(scratchData(sup) / "postmaster.pid"); }, 120s, 10ms))
      << sup.output();
  const std::string pidfile = readFile(scratchData(sup) / "postmaster.pid");
  const pid_t copy = static_cast<pid_t>(std::stol(pidfile));
  sup.kill(SIGKILL);
  ASSERT_TRUE(sup.exitCode().has_value());
  EXPECT_TRUE(alive(copy)) << "the copy should outlive a killed supervisor";
  // A container runtime would take the whole container down; here the live postmaster outlives
  // its supervisor and is stopped by hand. The copy is left for the supervisor to find.
  const std::string live_pid = readFile(sup.pgdata() / "postmaster.pid");
  if (!live_pid.empty()) {
    const pid_t live = static_cast<pid_t>(std::stol(live_pid));
    ::kill(live, SIGQUIT);
    ASSERT_TRUE(eventually([&] { return !alive(live); }, 30s));
  }

  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  EXPECT_TRUE(eventually([&] { return !alive(copy); }, 30s)) << sup.output();
  EXPECT_FALSE(fs::exists(scratchData(sup))) << sup.output();
  EXPECT_NE(sup.output().find("stopped the scratch copy"), std::string::npos) << sup.output();
  const Json job = sup.get("/api/v1/jobs/" + id).json();
  EXPECT_EQ(job["state"], "failed") << job.dump();
  const Json drill = sup.get("/api/v1/drills/" + id).json();
  EXPECT_EQ(drill["result"], "failed") << drill.dump();
  EXPECT_NE(field(drill, "reason").find("interrupted"), std::string::npos) << drill.dump();
  // And the next drill runs normally.
  ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
  const Json again = waitDrill(sup, startDrill(sup)["job"]["id"]);
  EXPECT_EQ(again["result"], "passed") << again.dump(1);
}

TEST(Drill, PassesAgainstS3OverTls) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  std::map<std::string, std::string> env = s3.env();
  env.insert(kDrillEnv.begin(), kDrillEnv.end());
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());
  const std::string label = prepareAndBackup(sup);
  ASSERT_FALSE(label.empty());
  const Json drill = waitDrill(sup, startDrill(sup, Json{{"set", label}})["job"]["id"]);
  expectPassedWithCounts(drill, label);
  EXPECT_EQ(sup.output().find(S3Server::kSecret), std::string::npos);
  EXPECT_EQ(drill.dump().find(S3Server::kSecret), std::string::npos);
}

}  // namespace
}  // namespace pgbr::it
