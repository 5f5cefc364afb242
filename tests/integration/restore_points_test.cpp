// Named restore points against the real binary, Postgres and pgBackRest: a point created through
// the API (and one through `pgbr-supervisor restore-point`), rows changed after it, a restore by
// name through POST /api/v1/restore: the table is exactly as it was at the point. Bad names,
// duplicates and a stopped Postgres are refused with nothing created.
//
// The test runs its own supervisor in its own folder with free ports (harness.h).
#include <unistd.h>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

constexpr auto kRestoreTimeout = 180s;

// Everything a table holds, in one value: equal checksums mean equal rows.
std::string checksum(Pg& pg, const std::string& table) {
  return pg.value("select coalesce(md5(string_agg(t::text, ',' order by id)), 'empty') from " +
                  table + " t");
}

// The restore point records in the WAL from `lsn` on, as pg_waldump prints them, and the number
// of records it read at all (so an empty answer cannot pass for "no restore point").
struct WalScan {
  int restore_points = 0;
  int records = 0;
  std::string output;
};
WalScan scanWal(const SupervisorUnderTest& sup, const std::string& lsn) {
  const std::string tool = fs::exists("/usr/lib/postgresql/15/bin/pg_waldump")
                               ? "/usr/lib/postgresql/15/bin/pg_waldump"
                               : "pg_waldump";
  // It ends with an error at the end of the WAL written so far; the records before it count.
  WalScan scan;
  scan.output = run({tool, "--path", (sup.pgdata() / "pg_wal").string(), "--start", lsn}).output;
  std::istringstream lines(scan.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("rmgr:")) ++scan.records;
    if (line.find("RESTORE_POINT") != std::string::npos) ++scan.restore_points;
  }
  return scan;
}

// `pgbr-supervisor restore-point NAME` as a deploy script runs it: the state folder and the token
// in its environment, no address (the supervisor recorded the one it bound).
CommandOutput restorePointCommand(const SupervisorUnderTest& sup, const std::string& name) {
  return run({binary(), "restore-point", name},
             {{"PGBR_STATE_DIR", sup.stateDir().string()}, {"PGBR_API_TOKEN", sup.token()}});
}

Json listed(const SupervisorUnderTest& sup) {
  const HttpAnswer answer = sup.get("/api/v1/restore-points");
  EXPECT_EQ(answer.status, 200) << answer.body;
  return answer.json();
}

std::vector<std::string> listedNames(const SupervisorUnderTest& sup) {
  std::vector<std::string> names;
  const Json list = listed(sup);
  if (list.is_object() && list["restore_points"].is_array()) {
    for (const Json& point : list["restore_points"]) names.push_back(point.value("name", ""));
  }
  return names;
}

TEST(RestorePoints, RestoreByNameBringsBackTheTableAsItWasAtThePoint) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  auto connection = sup.connect();
  Pg& pg = *connection;
  ASSERT_TRUE(pg.ok()) << pg.error();
  EXPECT_TRUE(listedNames(sup).empty());

  ASSERT_TRUE(pg.exec("create table deploys(id int primary key, v text)"));
  ASSERT_TRUE(pg.exec("insert into deploys select g, 'v1 ' || g from generate_series(1, 500) g"));
  const std::string at_point = checksum(pg, "deploys");

  // ---- the point, through the API
  const HttpAnswer created = sup.post("/api/v1/restore-points", {{"name", "before-deploy-2"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const Json point = created.json()["restore_point"];
  EXPECT_EQ(point.value("name", ""), "before-deploy-2");
  EXPECT_EQ(point.value("timeline", 0), 1);
  EXPECT_EQ(point.value("archived", false), true) << created.body;
  const std::string wal = point.value("wal_file", "");
  ASSERT_EQ(wal.size(), 24u) << created.body;
  EXPECT_EQ(pg.value("select pg_walfile_name('" + point.value("lsn", "") + "'::pg_lsn - 1)"), wal);
  // The segment is in the repository by the time the answer came: Postgres says so.
  EXPECT_GE(pg.value("select last_archived_wal from pg_stat_archiver"), wal);
  const std::string created_at = point.value("created_at", "");
  EXPECT_EQ(
      pg.value("select abs(extract(epoch from now() - '" + created_at + "'::timestamptz)) < 60"),
      "t")
      << created_at;
  EXPECT_EQ(listedNames(sup), std::vector<std::string>{"before-deploy-2"});
  EXPECT_TRUE(listed(sup)["recoverable_from"].is_string());

  // ---- the deploy changes rows after it
  ASSERT_TRUE(pg.exec("insert into deploys select g, 'v2 ' || g from generate_series(501, 700) g"));
  ASSERT_TRUE(pg.exec("update deploys set v = 'migrated' where id % 3 = 0"));
  ASSERT_TRUE(pg.exec("delete from deploys where id between 100 and 199"));
  const std::string after = checksum(pg, "deploys");
  ASSERT_NE(after, at_point);

  // ---- a second point through the command line, after the changes (its WAL holds them)
  const CommandOutput cli = restorePointCommand(sup, "after-deploy-2");
  EXPECT_EQ(cli.code, 0) << cli.output;
  EXPECT_NE(cli.output.find("restore point \"after-deploy-2\" created at "), std::string::npos)
      << cli.output;
  EXPECT_NE(cli.output.find(", timeline 1, wal "), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("in the repository"), std::string::npos) << cli.output;
  EXPECT_EQ(listedNames(sup), (std::vector<std::string>{"before-deploy-2", "after-deploy-2"}));

  // ---- refusals create nothing: no point recorded, no restore point record in the WAL
  std::string cli_lsn;
  const Json points = listed(sup);
  for (const Json& p : points["restore_points"]) {
    if (p.value("name", "") == "after-deploy-2") cli_lsn = p.value("lsn", "");
  }
  ASSERT_FALSE(cli_lsn.empty());
  struct Refusal {
    Json body;
    int status;
    std::string code;
    std::string says;
  };
  const std::vector<Refusal> refusals = {
      {{{"name", "before-deploy-2"}}, 409, "restore_point_exists", "already created at "},
      {{{"name", "has space"}}, 400, "bad_request", "name holds a space at position 4"},
      {{{"name", std::string(64, 'x')}}, 400, "bad_request", "name is 64 bytes long"},
      {{{"name", "x'); drop table deploys; --"}}, 400, "bad_request", "\"'\" at position 2"},
      {{{"name", ""}}, 400, "bad_request", "name is empty"},
      {Json::object(), 400, "bad_request", "field \"name\" is required"},
  };
  for (const Refusal& r : refusals) {
    SCOPED_TRACE(r.body.dump());
    const HttpAnswer answer = sup.post("/api/v1/restore-points", r.body);
    EXPECT_EQ(answer.status, r.status) << answer.body;
    EXPECT_EQ(answer.json()["error"].value("code", ""), r.code) << answer.body;
    EXPECT_NE(answer.json()["error"].value("message", "").find(r.says), std::string::npos)
        << answer.body;
  }
  const CommandOutput duplicate = restorePointCommand(sup, "after-deploy-2");
  EXPECT_EQ(duplicate.code, 1) << duplicate.output;
  EXPECT_NE(duplicate.output.find("pgbr-supervisor: error: a restore point named "
                                  "\"after-deploy-2\" was already created"),
            std::string::npos)
      << duplicate.output;
  EXPECT_NE(duplicate.output.find("(restore_point_exists, http 409)"), std::string::npos)
      << duplicate.output;
  const CommandOutput bad = restorePointCommand(sup, "deploy/3");
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_NE(bad.output.find("name holds \"/\" at position 7"), std::string::npos) << bad.output;
  const WalScan scan = scanWal(sup, cli_lsn);
  EXPECT_GT(scan.records, 0) << scan.output;
  EXPECT_EQ(scan.restore_points, 0) << "a refused request wrote a restore point\n" << scan.output;
  // The check can fail: the point the command made is in the WAL just before.
  const std::string point_lsn = point.value("lsn", "");
  EXPECT_EQ(scanWal(sup, point_lsn).restore_points, 1) << scanWal(sup, point_lsn).output;
  EXPECT_EQ(listedNames(sup), (std::vector<std::string>{"before-deploy-2", "after-deploy-2"}));
  EXPECT_EQ(checksum(pg, "deploys"), after);

  // ---- restore by name: exactly the rows at the point
  const HttpAnswer restore = sup.post(
      "/api/v1/restore", {{"type", "name"}, {"target", "before-deploy-2"}, {"confirm", "main"}});
  ASSERT_EQ(restore.status, 202) << restore.body;
  const Json job = sup.waitJob(restore.json()["job"].value("id", ""), kRestoreTimeout);
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump() << "\n" << sup.postgresLog();
  auto back = sup.connect();
  ASSERT_TRUE(back->ok()) << back->error();
  EXPECT_EQ(back->value("select pg_is_in_recovery()"), "f");
  EXPECT_EQ(checksum(*back, "deploys"), at_point);
  EXPECT_EQ(back->value("select count(*) from deploys"), "500");
  EXPECT_GT(back->value("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), "00000001");
  // The point stays offered: it is still inside the window. The one made after it is on the
  // timeline the restore abandoned: recovery along the new one never replays it.
  std::vector<std::string> names;
  EXPECT_TRUE(eventually(
      [&] {
        names = listedNames(sup);
        return std::find(names.begin(), names.end(), "after-deploy-2") == names.end();
      },
      30s))
      << "still offered: a point of the abandoned timeline";
  EXPECT_NE(std::find(names.begin(), names.end(), "before-deploy-2"), names.end());
}

TEST(RestorePoints, RefusedWhilePostgresIsStoppedWithNothingRecorded) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  const HttpAnswer stop = sup.post("/api/v1/processes/postgres/stop", Json::object());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(eventually(
      [&] {
        const Json p = sup.get("/api/v1/processes").json();
        return p.is_object() && p["processes"][0].value("state", "") == "STOPPED";
      },
      30s));
  const HttpAnswer refused = sup.post("/api/v1/restore-points", {{"name", "while-down"}});
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json()["error"].value("code", ""), "postgres_down") << refused.body;
  EXPECT_TRUE(listedNames(sup).empty());
  EXPECT_FALSE(fs::exists(sup.stateDir() / "restore-points.json"));

  // Without the token nothing is even tried.
  const Json body{{"name", "no-token"}};
  EXPECT_EQ(sup.request("POST", "/api/v1/restore-points", &body, false).status, 401);
  EXPECT_EQ(sup.request("GET", "/api/v1/restore-points", nullptr, false).status, 401);

  const HttpAnswer start = sup.post("/api/v1/processes/postgres/start", Json::object());
  ASSERT_EQ(start.status, 202) << start.body;
  ASSERT_TRUE(sup.waitReady());
  const HttpAnswer created = sup.post("/api/v1/restore-points", {{"name", "while-down"}});
  EXPECT_EQ(created.status, 201) << created.body << "\n" << sup.output();
}

}  // namespace
}  // namespace pgbr::it
