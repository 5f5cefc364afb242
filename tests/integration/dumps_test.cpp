// Logical dumps through the real binary (supervisor/dumps/) with real Postgres and pg_dump, kept
// in the local repository beside pgBackRest's folders: a run, its manifest and listing, the
// download byte for byte, a restore into a new name with every table identical and the
// manifest's check passing, a restore over the database (and the original untouched when that
// restore fails), retention, leftovers of an incomplete run, a dump taken while rows are being
// written, and the refusals that change nothing.
// GCC 12 reports a null dereference inside nlohmann::json::value() once this file inlines the
// harness' helpers: a false positive (value() checks is_object() first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <openssl/evp.h>

#include <atomic>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

// A database name a careless script would break on: spaces, quotes, uppercase, non-ASCII.
const std::string kOddName = "Sales \"EU\" 'Q4' été";

// The name as a libpq conninfo value (the harness splices it after "dbname=").
std::string connName(const std::string& name) {
  std::string out = "'";
  for (char c : name) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string sqlIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  char b[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", digest[i]);
    out += b;
  }
  return out;
}

std::string urlEncode(const std::string& text) {
  std::string out;
  char b[4];
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

// Every table's content as one digest, to compare a restored database with its source.
std::string contentDigest(Pg& pg) {
  return pg.value(
      "select md5(string_agg(t, '|' order by t)) from ("
      " select 'orders:' || md5(string_agg(o::text, ',' order by o.id)) as t from orders o"
      " union all select 'items:' || md5(string_agg(i::text, ',' order by i.id)) "
      "   from sales.items i"
      " union all select 'notes:' || count(*) from \"Notes Ü\") s");
}

void fillOddDatabase(SupervisorUnderTest& sup) {
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create database " + sqlIdent(kOddName)));
  }
  auto db = sup.connect(connName(kOddName));
  ASSERT_TRUE(db->ok()) << db->error();
  ASSERT_TRUE(db->exec("create table orders(id int primary key, note text)"));
  ASSERT_TRUE(
      db->exec("insert into orders select g, md5(g::text) from generate_series(1, 3000) g"));
  ASSERT_TRUE(db->exec("create schema sales"));
  ASSERT_TRUE(db->exec("create table sales.items(id bigserial primary key, v int)"));
  ASSERT_TRUE(db->exec("insert into sales.items(v) select g from generate_series(1, 700) g"));
  ASSERT_TRUE(db->exec("create table \"Notes Ü\"(x text)"));
  ASSERT_TRUE(db->exec("insert into \"Notes Ü\" values ('a'), ('b')"));
}

Json runDump(SupervisorUnderTest& sup, const Json& body = Json::object()) {
  HttpAnswer a = sup.post("/api/v1/dumps", body);
  EXPECT_EQ(a.status, 202) << a.body;
  Json job = sup.waitJob(a.json()["job"]["id"].get<std::string>(), 300s);
  EXPECT_EQ(job["state"], "succeeded") << job.dump() << sup.output();
  return job;
}

Json restore(SupervisorUnderTest& sup, const std::string& id, const Json& body, int want = 202) {
  HttpAnswer a = sup.post("/api/v1/dumps/" + id + "/restore", body);
  EXPECT_EQ(a.status, want) << a.body;
  if (a.status != 202) return a.json();
  return sup.waitJob(a.json()["job"]["id"].get<std::string>(), 300s);
}

fs::path dumpsRoot(const SupervisorUnderTest& sup) {
  return sup.stateDir() / "repo" / "dumps" / "main";
}

std::vector<std::string> databases(SupervisorUnderTest& sup) {
  auto pg = sup.connect();
  std::string list = pg->value("select string_agg(datname, ',' order by datname) from pg_database");
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The command line as an operator runs it on the machine: the state folder and the token in its
// environment (the supervisor recorded the address it bound).
CommandOutput cli(const SupervisorUnderTest& sup, std::vector<std::string> words) {
  words.insert(words.begin(), binary());
  return run(words, {{"PGBR_STATE_DIR", sup.stateDir().string()}, {"PGBR_API_TOKEN", sup.token()}});
}

TEST(Dumps, RunDownloadAndRestoreIntoANewName) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  fillOddDatabase(sup);

  const Json dbs = sup.get("/api/v1/databases").json();
  ASSERT_TRUE(dbs["databases"].is_array()) << dbs.dump();
  bool listed = false;
  for (const Json& d : dbs["databases"]) listed = listed || d["name"] == kOddName;
  EXPECT_TRUE(listed) << dbs.dump();

  const Json job = runDump(sup, Json{{"annotation", "before the v2 deploy"}});
  const std::string id = job["result"]["dump_id"].get<std::string>();
  const Json list = sup.get("/api/v1/dumps").json();
  ASSERT_EQ(list["dumps"].size(), 1u) << list.dump();
  EXPECT_EQ(list["dumps"][0]["id"], id);
  EXPECT_EQ(list["dumps"][0]["annotation"], "before the v2 deploy");

  // The manifest: exact counts per table, sizes and digests of what is stored.
  const Json manifest = sup.get("/api/v1/dumps/" + id).json();
  Json odd;
  for (const Json& d : manifest["databases"])
    if (d["name"] == kOddName) odd = d;
  ASSERT_TRUE(odd.is_object()) << manifest.dump();
  std::map<std::string, int64_t> rows;
  for (const Json& t : odd["tables"])
    rows[t["schema"].get<std::string>() + "." + t["name"].get<std::string>()] = t["rows"];
  EXPECT_EQ(rows["public.orders"], 3000);
  EXPECT_EQ(rows["sales.items"], 700);
  EXPECT_EQ(rows["public.Notes Ü"], 2);
  EXPECT_FALSE(manifest["server_version"].get<std::string>().empty());
  EXPECT_NE(manifest["pg_dump_version"].get<std::string>().find("pg_dump"), std::string::npos);
  const fs::path stored = dumpsRoot(sup) / odd["file"]["key"].get<std::string>();
  ASSERT_TRUE(fs::exists(stored)) << stored;
  // Beside pgBackRest's folders, never inside them.
  EXPECT_TRUE(fs::exists(sup.stateDir() / "repo" / "backup" / "main"));
  EXPECT_TRUE(fs::exists(dumpsRoot(sup) / id / "globals.sql"));

  // The download is the stored file, byte for byte, with its length announced.
  HttpAnswer download = sup.get("/api/v1/dumps/" + id + "/databases/" + urlEncode(kOddName));
  ASSERT_EQ(download.status, 200) << download.body.substr(0, 300);
  EXPECT_EQ(download.body, readFile(stored));
  EXPECT_EQ(sha256Hex(download.body), odd["file"]["sha256"]);
  EXPECT_EQ(std::to_string(download.body.size()), download.headers.find("Content-Length")->second);
  HttpAnswer globals = sup.get("/api/v1/dumps/" + id + "/globals");
  EXPECT_EQ(globals.status, 200);
  EXPECT_NE(globals.body.find("CREATE ROLE postgres"), std::string::npos) << globals.body;

  // Restore into a new name (the default): every table identical, the check in the job.
  Json restored = restore(sup, id, Json{{"database", kOddName}});
  ASSERT_EQ(restored["state"], "succeeded") << restored.dump();
  const std::string into = restored["result"]["into"].get<std::string>();
  EXPECT_NE(into, kOddName);
  auto source = sup.connect(connName(kOddName));
  auto copy = sup.connect(connName(into));
  ASSERT_TRUE(copy->ok()) << copy->error();
  EXPECT_EQ(contentDigest(*copy), contentDigest(*source));
  EXPECT_EQ(restored["result"]["rows"], 3702);

  // Refusals that change nothing.
  const std::vector<std::string> before = databases(sup);
  EXPECT_EQ(restore(sup, id, Json{{"database", kOddName}, {"into", into}}, 409)["error"]["code"],
            "conflict");
  EXPECT_EQ(restore(sup, id, Json{{"database", "nope"}}, 404)["error"]["code"], "not_found");
  EXPECT_EQ(
      restore(sup, id, Json{{"database", kOddName}, {"into", kOddName}}, 400)["error"]["code"],
      "confirmation_required");
  EXPECT_EQ(restore(sup, id, Json{{"into", "x"}}, 400)["error"]["code"], "bad_request");
  EXPECT_EQ(restore(sup, id, Json{{"database", kOddName}, {"into", std::string(70, 'a')}},
                    400)["error"]["code"],
            "bad_request");
  EXPECT_EQ(sup.get("/api/v1/dumps/..%2F..%2Fetc").status, 404);
  EXPECT_EQ(sup.get("/api/v1/dumps/20200101-000000-000").status, 404);
  EXPECT_EQ(sup.get("/api/v1/dumps/" + id + "/databases/nope").status, 404);
  EXPECT_EQ(sup.post("/api/v1/dumps", Json{{"databases", Json::array({"nope"})}}).status, 404);
  EXPECT_EQ(sup.post("/api/v1/dumps", Json{{"databases", "app"}}).status, 400);
  EXPECT_EQ(sup.post("/api/v1/dumps", Json{{"bogus", 1}}).status, 400);
  EXPECT_EQ(databases(sup), before);
  EXPECT_EQ(sup.get("/api/v1/dumps").json()["dumps"].size(), 1u);

  const std::string metrics = sup.get("/metrics").body;
  EXPECT_NE(metrics.find("pgbr_dump_size_bytes{database=\"postgres\"}"), std::string::npos);
  EXPECT_NE(metrics.find("pgbr_dump_restore_check_status 0"), std::string::npos);

  // The seeds' command line against the running supervisor.
  const CommandOutput dbs_cli = cli(sup, {"databases"});
  EXPECT_EQ(dbs_cli.code, 0) << dbs_cli.output;
  EXPECT_NE(dbs_cli.output.find(kOddName), std::string::npos) << dbs_cli.output;
  const CommandOutput listed_cli = cli(sup, {"dumps", "list"});
  EXPECT_EQ(listed_cli.code, 0) << listed_cli.output;
  EXPECT_NE(listed_cli.output.find(id), std::string::npos) << listed_cli.output;
  const fs::path saved = dir.path() / "saved.dump";
  const CommandOutput got = cli(sup, {"dumps", "download", id, kOddName, saved.string()});
  EXPECT_EQ(got.code, 0) << got.output;
  EXPECT_TRUE(readFile(saved) == readFile(stored));
  const CommandOutput ran = cli(sup, {"dumps", "run", "postgres"});
  EXPECT_EQ(ran.code, 0) << ran.output;
  EXPECT_NE(ran.output.find("1 databases"), std::string::npos) << ran.output;
  const CommandOutput restored_cli = cli(sup, {"dumps", "restore", id, kOddName, "cli_copy"});
  EXPECT_EQ(restored_cli.code, 0) << restored_cli.output;
  auto cli_copy = sup.connect("cli_copy");
  EXPECT_EQ(contentDigest(*cli_copy), contentDigest(*source));
  const CommandOutput refused = cli(sup, {"dumps", "restore", id, "nope"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.output.find("holds no database"), std::string::npos) << refused.output;
  EXPECT_EQ(cli(sup, {"dumps", "frobnicate"}).code, 2);
  ASSERT_EQ(sup.request("DELETE",
                        "/api/v1/dumps/" +
                            sup.get("/api/v1/dumps").json()["dumps"][0]["id"].get<std::string>() +
                            "?confirm=" +
                            sup.get("/api/v1/dumps").json()["dumps"][0]["id"].get<std::string>())
                .status,
            200);

  // Removal needs the id as confirmation.
  EXPECT_EQ(sup.request("DELETE", "/api/v1/dumps/" + id).status, 400);
  EXPECT_EQ(sup.request("DELETE", "/api/v1/dumps/" + id + "?confirm=" + id).status, 200);
  EXPECT_FALSE(fs::exists(dumpsRoot(sup) / id));
  EXPECT_EQ(sup.get("/api/v1/dumps").json()["dumps"].size(), 0u);
}

TEST(Dumps, ReplaceSwapsOnlyACheckedCopyAndAFailureLeavesTheOriginal) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  fillOddDatabase(sup);
  const std::string id = runDump(sup)["result"]["dump_id"].get<std::string>();
  std::string digest;
  {
    auto db = sup.connect(connName(kOddName));
    digest = contentDigest(*db);
    ASSERT_TRUE(db->exec("delete from orders where id > 100"));  // the mistake to undo
    ASSERT_TRUE(db->exec("insert into \"Notes Ü\" values ('late')"));
  }
  auto session = sup.connect(connName(kOddName));  // held open: the swap ends it
  ASSERT_TRUE(session->ok());

  // A damaged dump: pg_restore fails (or the digest does), the original stays as it was.
  const Json manifest = sup.get("/api/v1/dumps/" + id).json();
  fs::path stored;
  for (const Json& d : manifest["databases"])
    if (d["name"] == kOddName) stored = dumpsRoot(sup) / d["file"]["key"].get<std::string>();
  const std::string good = readFile(stored);
  {
    std::ofstream out(stored, std::ios::binary | std::ios::trunc);
    out << good.substr(0, good.size() / 2);
  }
  const Json damaged =
      restore(sup, id, Json{{"database", kOddName}, {"into", kOddName}, {"confirm", kOddName}});
  EXPECT_EQ(damaged["state"], "failed") << damaged.dump();
  EXPECT_NE(damaged["message"].get<std::string>().find("was not changed"), std::string::npos)
      << damaged.dump();
  EXPECT_EQ(session->value("select count(*) from orders"), "100");
  for (const std::string& name : databases(sup))
    EXPECT_EQ(name.rfind("pgbr_restore_", 0), std::string::npos) << name;

  // The intact dump replaces the database: the content of the dump, sessions ended.
  {
    std::ofstream out(stored, std::ios::binary | std::ios::trunc);
    out << good;
  }
  const Json replaced =
      restore(sup, id, Json{{"database", kOddName}, {"into", kOddName}, {"confirm", kOddName}});
  ASSERT_EQ(replaced["state"], "succeeded") << replaced.dump() << sup.output();
  EXPECT_EQ(replaced["result"]["replaced"], true);
  auto after = sup.connect(connName(kOddName));
  ASSERT_TRUE(after->ok()) << after->error();
  EXPECT_EQ(contentDigest(*after), digest);
  EXPECT_FALSE(session->exec("select 1"));  // the old session was ended by the swap
  for (const std::string& name : databases(sup))
    EXPECT_EQ(name.find("pgbr_restore_"), std::string::npos) << name;
}

TEST(Dumps, RetentionLeftoversAndADumpWhileRowsAreWritten) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(),
                          {{"PGBR_DUMP_RETENTION", "2"}, {"PGBR_DUMP_DATABASES", "app"}});
  ASSERT_TRUE(sup.startAndSettle());
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->exec("create database app"));
  }
  {
    auto app = sup.connect("app");
    ASSERT_TRUE(app->exec("create table events(id bigserial primary key, payload text)"));
    ASSERT_TRUE(app->exec("create table counters(id int primary key, n bigint)"));
    ASSERT_TRUE(app->exec("insert into counters select g, 0 from generate_series(1, 50) g"));
  }
  // Files of a run that never completed (no manifest): never listed, removed by the next run.
  const fs::path leftover = dumpsRoot(sup) / "20200101-000000-000";
  fs::create_directories(leftover);
  { std::ofstream(leftover / "000-app.dump") << "partial"; }
  chownToPostgres(sup.stateDir() / "repo" / "dumps");

  // Rows written the whole time the dumps run: each manifest must still match its restore.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto app = sup.connect("app");
    while (!stop.load()) {
      app->exec("insert into events(payload) select md5(g::text) from generate_series(1, 200) g");
      app->exec("update counters set n = n + 1 where id = 1 + (random() * 49)::int");
      app->exec("delete from events where id % 7 = 0 and id > (select max(id) - 400 from events)");
    }
  });
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const Json job = runDump(sup, Json{{"annotation", "run " + std::to_string(i)}});
    ids.push_back(job["result"]["dump_id"].get<std::string>());
    if (i == 0) {
      EXPECT_FALSE(fs::exists(leftover));
    }
  }
  const Json restored = restore(sup, ids.back(), Json{{"database", "app"}, {"into", "app_check"}});
  stop = true;
  writer.join();
  EXPECT_EQ(restored["state"], "succeeded") << restored.dump();

  const Json list = sup.get("/api/v1/dumps").json();
  ASSERT_EQ(list["dumps"].size(), 2u) << list.dump();
  EXPECT_EQ(list["dumps"][0]["id"], ids[2]);
  EXPECT_EQ(list["dumps"][1]["id"], ids[1]);
  EXPECT_FALSE(fs::exists(dumpsRoot(sup) / ids[0]));
  EXPECT_EQ(list["dumps"][0]["databases"].size(), 1u);  // PGBR_DUMP_DATABASES=app
  EXPECT_EQ(list["retention"]["runs"], 2);
}

// With two repositories, PGBR_DUMP_REPO=2 puts the dumps into the second: S3 over TLS, encrypted
// as the repository is, in the format `openssl enc` reads; nothing lands in the first.
TEST(Dumps, IntoAnEncryptedS3RepositoryChosenByPgbrDumpRepo) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  const std::string pass = "it-dump-cipher-pass-71x";
  std::map<std::string, std::string> env = s3.env(2, "/pgbackrest");
  env["PGBACKREST_REPO2_CIPHER_TYPE"] = "aes-256-cbc";
  env["PGBACKREST_REPO2_CIPHER_PASS"] = pass;
  env["PGBR_DUMP_REPO"] = "2";
  env["PGBR_DUMP_DATABASES"] = kOddName;
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());
  fillOddDatabase(sup);

  const std::string id = runDump(sup)["result"]["dump_id"].get<std::string>();
  const Json list = sup.get("/api/v1/dumps").json();
  EXPECT_NE(list["store"].get<std::string>().find("s3 "), std::string::npos) << list.dump();
  EXPECT_NE(list["store"].get<std::string>().find("aes-256-cbc"), std::string::npos);
  EXPECT_FALSE(fs::exists(sup.stateDir() / "repo" / "dumps"));  // not in repo1
  const Json manifest = sup.get("/api/v1/dumps/" + id).json();
  EXPECT_EQ(manifest["encrypted"], true);
  ASSERT_EQ(manifest["databases"].size(), 1u);
  const Json file = manifest["databases"][0]["file"];

  // The download is the plain dump; the stored object is sealed and openssl opens it.
  HttpAnswer download = sup.get("/api/v1/dumps/" + id + "/databases/" + urlEncode(kOddName));
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(sha256Hex(download.body), file["sha256"]);
  std::map<std::string, std::string> cli_env = env;
  const auto raw = run({"pgbackrest", "--config=" + (sup.stateDir() / "pgbackrest.conf").string(),
                        "--log-level-console=error", "--log-level-file=off", "--repo=2", "--raw",
                        "repo-get", "dumps/main/" + file["key"].get<std::string>()},
                       cli_env);
  ASSERT_EQ(raw.code, 0) << raw.output.substr(0, 500);
  EXPECT_EQ(raw.output.substr(0, 8), "Salted__");
  writeFile(dir.path() / "sealed.dump", raw.output);
  const auto opened =
      run({"openssl", "enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "100000", "-md", "sha256",
           "-pass", "pass:" + pass, "-in", (dir.path() / "sealed.dump").string(), "-out",
           (dir.path() / "plain.dump").string()});
  ASSERT_EQ(opened.code, 0) << opened.output;
  EXPECT_TRUE(readFile(dir.path() / "plain.dump") == download.body);

  const Json restored = restore(sup, id, Json{{"database", kOddName}, {"into", "copy"}});
  ASSERT_EQ(restored["state"], "succeeded") << restored.dump();
  auto source = sup.connect(connName(kOddName));
  auto copy = sup.connect("copy");
  EXPECT_EQ(contentDigest(*copy), contentDigest(*source));
  EXPECT_EQ(sup.output().find(pass), std::string::npos);
  EXPECT_EQ(sup.output().find(S3Server::kSecret), std::string::npos);
  EXPECT_EQ(list.dump().find(pass), std::string::npos);

  // Restarted with a wrong passphrase: the run is listed as unreadable with the reason, reading
  // or restoring it is refused with that reason, and nothing of it is removed.
  sup.stop();
  sup.env()["PGBACKREST_REPO2_CIPHER_PASS"] = "not-" + pass;
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  const Json wrong = sup.get("/api/v1/dumps").json();
  EXPECT_TRUE(wrong["dumps"].empty()) << wrong.dump();
  ASSERT_EQ(wrong["unreadable"].size(), 1u) << wrong.dump();
  EXPECT_EQ(wrong["unreadable"][0]["id"], id);
  EXPECT_NE(field(wrong["unreadable"][0], "error").find("wrong passphrase"), std::string::npos)
      << wrong.dump();
  HttpAnswer shown = sup.get("/api/v1/dumps/" + id);
  EXPECT_EQ(shown.status, 409) << shown.body;
  EXPECT_NE(shown.body.find("wrong passphrase"), std::string::npos) << shown.body;
  HttpAnswer refused =
      sup.post("/api/v1/dumps/" + id + "/restore", Json{{"database", kOddName}, {"into", "copy2"}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("wrong passphrase"), std::string::npos) << refused.body;
  // A new run with the wrong passphrase fails with the reason and writes nothing: the store
  // never holds objects of two passphrases.
  ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
  HttpAnswer again = sup.post("/api/v1/dumps", Json::object());
  ASSERT_EQ(again.status, 202) << again.body;
  const Json failed_run = sup.waitJob(again.json()["job"]["id"].get<std::string>(), 300s);
  EXPECT_EQ(failed_run["state"], "failed") << failed_run.dump();
  EXPECT_NE(failed_run.dump().find("wrong passphrase"), std::string::npos) << failed_run.dump();
  EXPECT_EQ(sup.output().find("not-" + pass), std::string::npos);
  sup.stop();
  sup.env()["PGBACKREST_REPO2_CIPHER_PASS"] = pass;
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  EXPECT_EQ(sup.get("/api/v1/dumps/" + id).status, 200);  // the run was kept
  const Json after = sup.get("/api/v1/dumps").json();
  EXPECT_EQ(after["dumps"].size(), 1u) << after.dump();
  EXPECT_TRUE(after["unreadable"].empty()) << after.dump();
}

// S3 stopped in the middle of a dump: the job fails with the reason, no partial run is listed,
// and once S3 is back the next run works (and removes what the failed one left). The big
// database's dump is larger than a multipart part (8 MiB), so parts are exercised.
TEST(Dumps, AnS3OutageMidDumpKeepsNothingAndTheNextRunWorks) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  SupervisorUnderTest sup(dir.path(), s3.env(1, "/pgbackrest"));
  ASSERT_TRUE(sup.startAndSettle());
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->exec("create database big"));
  }
  {
    auto big = sup.connect("big");
    // About 40 MB of hex text: a dump of well over one part after compression.
    ASSERT_TRUE(
        big->exec("create table blobs as select g as id, md5(g::text) || md5((g * 7)::text)"
                  " || md5((g * 13)::text) as v from generate_series(1, 400000) g"));
  }
  HttpAnswer started = sup.post("/api/v1/dumps", Json::object());
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string job_id = started.json()["job"]["id"].get<std::string>();
  ASSERT_TRUE(eventually(
      [&] {
        const std::string text = sup.get("/api/v1/jobs/" + job_id).body;
        return text.find("dumping big") != std::string::npos ||
               text.find("\"state\":\"running\"") == std::string::npos;
      },
      60s, 20ms));
  ASSERT_TRUE(s3.stop());
  const Json failed = sup.waitJob(job_id, 300s);
  EXPECT_EQ(failed["state"], "failed") << failed.dump();
  EXPECT_NE(failed.dump().find("\"message\":\"big"), std::string::npos) << failed.dump();
  EXPECT_EQ(failed.dump().find(S3Server::kSecret), std::string::npos);

  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  EXPECT_EQ(sup.get("/api/v1/dumps").json()["dumps"].size(), 0u);
  const Json job = runDump(sup);
  const Json list = sup.get("/api/v1/dumps").json();
  ASSERT_EQ(list["dumps"].size(), 1u) << list.dump();
  const std::string id = job.at("result").at("dump_id").get<std::string>();
  const Json manifest = sup.get("/api/v1/dumps/" + id).json();
  for (const Json& d : manifest.at("databases"))
    if (d.value("name", "") == "big") {
      EXPECT_GT(d.at("size").get<uint64_t>(), 8u * 1024 * 1024) << d.dump();
      HttpAnswer download = sup.get("/api/v1/dumps/" + id + "/databases/big");
      EXPECT_EQ(sha256Hex(download.body), d.at("file").at("sha256"));
    }
  const Json restored = restore(sup, id, Json{{"database", "big"}});
  EXPECT_EQ(restored["state"], "succeeded") << restored.dump();
}

}  // namespace
}  // namespace pgbr::it
