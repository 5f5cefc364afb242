// Backups end to end through the real binary: the start-up sequence (stanza-create, check, first
// full backup), WAL archiving, full/diff/incr through the API into a local repository, into S3
// over TLS and with two repositories; one job at a time under concurrent requests; an S3 outage
// while Postgres writes, detected and recovered without a gap; job history across restarts and
// kills; cancelling a backup; the schedule starting one. The local repository's /metrics, with a
// full, a diff and an incremental backup in it, goes through promtool and its sizes are compared
// with pgbackrest info to the byte (tests/integration/metrics_check.h).
#include <algorithm>
#include <ctime>
#include <iostream>
#include <latch>
#include <set>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/integration/metrics_check.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

Json jobsOf(const SupervisorUnderTest& sup) {
  auto doc = sup.get("/api/v1/jobs?limit=100").json();
  return doc.is_object() && doc["jobs"].is_array() ? doc["jobs"] : Json::array();
}

// Jobs of `kind` (and `trigger` when given), oldest first.
std::vector<Json> jobsWhere(const SupervisorUnderTest& sup, const std::string& kind,
                            const std::string& trigger = "") {
  std::vector<Json> out;
  for (const auto& j : jobsOf(sup))
    if (field(j, "kind") == kind && (trigger.empty() || field(j, "trigger") == trigger))
      out.insert(out.begin(), j);
  return out;
}

std::string describe(const Json& j) {
  return j.dump();
}

// The start-up sequence the product promises: stanza-create, check, then a first full backup.
void expectStartupJobs(const SupervisorUnderTest& sup) {
  auto created = jobsWhere(sup, "stanza-create", "startup");
  ASSERT_EQ(created.size(), 1u) << describe(jobsOf(sup));
  EXPECT_EQ(created[0]["state"], "succeeded") << describe(created[0]);
  auto checks = jobsWhere(sup, "check", "startup");
  ASSERT_EQ(checks.size(), 1u) << describe(jobsOf(sup));
  EXPECT_EQ(checks[0]["state"], "succeeded") << describe(checks[0]);
  auto fulls = jobsWhere(sup, "backup", "startup");
  ASSERT_EQ(fulls.size(), 1u) << describe(jobsOf(sup));
  EXPECT_EQ(fulls[0]["state"], "succeeded") << describe(fulls[0]);
  EXPECT_EQ(fulls[0]["params"]["type"], "full");
  EXPECT_TRUE(fulls[0]["backup_label"].is_string() &&
              !fulls[0]["backup_label"].get<std::string>().empty())
      << describe(fulls[0]);
}

// The archive of the posix repository at `repo`: archive/<stanza>/<pg version>-<db id>/<first 16
// characters of the segment name>/<segment>-<sha1>.<compression>.
bool segmentInPosixRepo(const fs::path& repo, const std::string& segment) {
  const fs::path dir = repo / "archive" / "main" / "15-1" / segment.substr(0, 16);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(segment + "-", 0) == 0) return true;
  return false;
}

// Runs pgbackrest as postgres the way the supervisor does: its rendered configuration, the stanza,
// and the same PGBACKREST_* environment.
CommandOutput pgbackrest(const SupervisorUnderTest& sup, std::map<std::string, std::string> env,
                         std::vector<std::string> args) {
  std::vector<std::string> argv{
      "pgbackrest", "--config=" + (sup.stateDir() / "pgbackrest.conf").string(), "--stanza=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, "postgres");
}

// Segment names (24 hex digits) in one archive folder of a repository, through pgbackrest itself
// so it works for S3 as well as posix.
std::set<std::string> archivedSegments(const SupervisorUnderTest& sup,
                                       const std::map<std::string, std::string>& env, int repo) {
  auto r = pgbackrest(
      sup, env,
      {"--repo=" + std::to_string(repo), "repo-ls", "archive/main/15-1/0000000100000000"});
  std::set<std::string> out;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line))
    if (line.size() > 25 && line[24] == '-' && line.find_first_not_of("0123456789ABCDEF") == 24)
      out.insert(line.substr(0, 24));
  return out;
}

// The position of a segment on its timeline (16 MB segments: 256 to a log file), so that
// consecutive segments differ by one.
uint64_t segmentNumber(const std::string& name) {
  return std::stoull(name.substr(8, 8), nullptr, 16) * 256 +
         std::stoull(name.substr(16, 8), nullptr, 16);
}

// Processes whose command line mentions `needle` (this test's state folder is unique, so these are
// the children this test's supervisor started).
std::vector<pid_t> processesMentioning(const std::string& needle, const std::string& also = "") {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = readFile(e.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos &&
        (also.empty() || cmdline.find(also) != std::string::npos))
      out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

bool processGone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Waits until the job reached a final state and returns it. Polls closely by default: a client
// that reads the job the moment it finished.
Json waitFinished(const SupervisorUnderTest& sup, const std::string& id,
                  std::chrono::milliseconds timeout = 300s, std::chrono::milliseconds step = 20ms) {
  Json job;
  eventually(
      [&] {
        job = sup.get("/api/v1/jobs/" + id).json();
        const std::string st = field(job, "state");
        return st == "succeeded" || st == "failed" || st == "cancelled";
      },
      timeout, step);
  return job;
}

// Starts a backup through the API and waits for it to finish; the final job, or the refusal.
Json backupAndWait(const SupervisorUnderTest& sup, const std::string& type) {
  auto started = sup.post("/api/v1/backups", Json{{"type", type}});
  if (started.status != 202) return Json{{"status", started.status}, {"body", started.body}};
  return waitFinished(sup, started.json()["job"]["id"].get<std::string>());
}

// Backups of `types` through the API after the startup full, each finished with its label and
// 100 % progress, and the repository listing every backup in order as soon as each job is seen
// finished.
void backupThroughApi(SupervisorUnderTest& sup, const std::vector<std::string>& types) {
  std::vector<std::string> labels;
  std::vector<std::string> expected_types{"full"};
  auto before = sup.get("/api/v1/backups").json();
  ASSERT_TRUE(before.is_object()) << before;
  for (const auto& b : before["backups"]) labels.push_back(b["label"].get<std::string>());
  ASSERT_EQ(labels.size(), 1u) << "the startup full only: " << before.dump();
  for (const std::string& type : types) {
    auto job = backupAndWait(sup, type);
    ASSERT_EQ(field(job, "state"), "succeeded") << type << ": " << describe(job) << sup.output();
    EXPECT_EQ(job["trigger"], "api");
    ASSERT_TRUE(job["backup_label"].is_string()) << describe(job);
    const std::string label = job["backup_label"].get<std::string>();
    EXPECT_FALSE(label.empty());
    EXPECT_EQ(label.back(), type == "full" ? 'F' : type == "diff" ? 'D' : 'I') << label;
    EXPECT_EQ(job["progress"], 100) << describe(job);
    labels.push_back(label);
    expected_types.push_back(type);
    // No waiting here: the info cache is refreshed before the job is reported finished.
    auto listed = sup.get("/api/v1/backups").json();
    ASSERT_TRUE(listed.is_object());
    std::vector<std::string> listed_labels;
    for (const auto& b : listed["backups"]) listed_labels.push_back(b["label"].get<std::string>());
    EXPECT_EQ(listed_labels, labels) << "after the " << type << " backup: " << listed.dump();
  }
  auto listed = sup.get("/api/v1/backups").json();
  std::vector<std::string> listed_types;
  for (const auto& b : listed["backups"]) listed_types.push_back(b["type"].get<std::string>());
  EXPECT_EQ(listed_types, expected_types) << listed.dump();
  EXPECT_EQ(listed["status"]["code"], 0) << listed.dump();
}

// ---------------------------------------------------------------------------------------------

TEST(Backups, LocalRepositoryStartupArchivingAndFullDiffIncr) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  expectStartupJobs(sup);

  const std::string segment = writeAndSwitchWal(sup);
  ASSERT_EQ(segment.size(), 24u) << segment;
  ASSERT_TRUE(waitArchived(sup, segment)) << "last archived: " << lastArchivedWal(sup);
  EXPECT_TRUE(segmentInPosixRepo(sup.stateDir() / "repo", segment)) << segment;

  backupThroughApi(sup, {"diff", "incr"});

  // Every family has samples now: check the whole exposition, then the sizes against pgBackRest.
  const HttpAnswer metrics = sup.request("GET", "/metrics", nullptr, false);
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  expectPromtoolAccepts(metrics.body);
  const Exposition exposition = readExposition(metrics.body);
  expectEveryFamilyHasSamples(exposition);
  const CommandOutput info = pgbackrest(sup, {}, {"info", "--output=json"});
  ASSERT_EQ(info.code, 0) << info.output;
  expectBackupSizesMatchInfo(exposition, Json::parse(info.output, nullptr, false));
}

TEST(Backups, S3RepositoryOverTlsFromEnvironmentOnly) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  auto env = s3.env(1, "/it-repo");
  ASSERT_EQ(env["PGBACKREST_REPO1_TYPE"], "s3");
  ASSERT_EQ(env["PGBACKREST_REPO1_STORAGE_VERIFY_TLS"], "y") << "TLS is verified against the CA";
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());
  expectStartupJobs(sup);

  const std::string segment = writeAndSwitchWal(sup);
  ASSERT_TRUE(waitArchived(sup, segment)) << "last archived: " << lastArchivedWal(sup);
  EXPECT_TRUE(archivedSegments(sup, env, 1).count(segment)) << segment;
  EXPECT_FALSE(fs::exists(sup.stateDir() / "repo" / "archive"))
      << "nothing goes to the local folder when the repository is S3";

  backupThroughApi(sup, {"full", "diff", "incr"});

  // The secret is nowhere a user can read it: logs, the configuration dump, job logs.
  const std::string secret = S3Server::kSecret;
  auto config = sup.get("/api/v1/config");
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(config.body.find(secret), std::string::npos) << config.body;
  auto shown = config.json()["pgbackrest"]["env"];
  EXPECT_EQ(shown["PGBACKREST_REPO1_S3_KEY_SECRET"], "(redacted)") << config.body;
  EXPECT_EQ(shown["PGBACKREST_REPO1_S3_BUCKET"], env["PGBACKREST_REPO1_S3_BUCKET"]) << config.body;
  EXPECT_EQ(sup.get("/api/v1/status").body.find(secret), std::string::npos);
  EXPECT_EQ(sup.output().find(secret), std::string::npos) << "supervisor output leaks the secret";
  EXPECT_EQ(sup.postgresLog().find(secret), std::string::npos);
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(sup.stateDir() / "logs", ec))
    if (e.is_regular_file()) {
      EXPECT_EQ(readFile(e.path()).find(secret), std::string::npos) << e.path();
    }
  for (const auto& job : jobsOf(sup)) {
    auto log = sup.get("/api/v1/jobs/" + job["id"].get<std::string>() + "/log?tail=100000");
    EXPECT_EQ(log.status, 200);
    EXPECT_EQ(log.body.find(secret), std::string::npos) << job["id"];
  }
}

TEST(Backups, TwoRepositoriesLocalAndS3) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  auto env = s3.env(2, "/it-repo2");
  const fs::path repo1 = dir.path() / "repo1";
  env["PGBACKREST_REPO1_PATH"] = repo1.string();
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());
  expectStartupJobs(sup);

  // archive-push writes every segment to every repository.
  const std::string segment = writeAndSwitchWal(sup);
  ASSERT_TRUE(waitArchived(sup, segment)) << "last archived: " << lastArchivedWal(sup);
  EXPECT_TRUE(segmentInPosixRepo(repo1, segment)) << segment;
  EXPECT_TRUE(archivedSegments(sup, env, 2).count(segment)) << segment;

  // Both repositories are known to info; backups without --repo go to repo1 (pgBackRest's
  // default), so repo2 holds WAL but no backup.
  auto job = backupAndWait(sup, "incr");
  ASSERT_EQ(field(job, "state"), "succeeded") << describe(job);
  auto listed = sup.get("/api/v1/backups").json();
  ASSERT_TRUE(listed["repos"].is_array()) << listed.dump();
  ASSERT_EQ(listed["repos"].size(), 2u) << listed.dump();
  EXPECT_EQ(listed["repos"][0]["key"], 1);
  EXPECT_EQ(listed["repos"][0]["code"], 0) << listed.dump();
  EXPECT_EQ(listed["repos"][1]["key"], 2);
  EXPECT_EQ(listed["repos"][1]["code"], 2) << "repo2: no valid backups yet; " << listed.dump();
  ASSERT_EQ(listed["backups"].size(), 2u) << listed.dump();
  for (const auto& b : listed["backups"]) EXPECT_EQ(b["repo"], 1) << b.dump();
  EXPECT_EQ(listed["backups"][1]["label"], job["backup_label"]);

  std::cout << "[ info ] stanza status with two repositories: " << listed["status"].dump() << "\n";

  auto info = pgbackrest(sup, env, {"--output=json", "info"});
  ASSERT_EQ(info.code, 0) << info.output;
  auto doc = Json::parse(info.output, nullptr, false);
  ASSERT_TRUE(doc.is_array() && doc.size() == 1u) << info.output;
  std::set<int> archive_repos;
  for (const auto& a : doc[0]["archive"])
    if (a["min"].is_string()) archive_repos.insert(a["database"]["repo-key"].get<int>());
  EXPECT_EQ(archive_repos, (std::set<int>{1, 2})) << "WAL in both repositories: " << info.output;
}

TEST(Backups, ConcurrentRequestsRunOneBackup) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());

  std::latch go(2);
  HttpAnswer answers[2];
  auto fire = [&](int i) {
    go.arrive_and_wait();
    answers[i] = sup.post("/api/v1/backups", Json{{"type", "full"}});
  };
  std::thread a(fire, 0), b(fire, 1);
  a.join();
  b.join();

  const int accepted = answers[0].status == 202 ? 0 : 1;
  const HttpAnswer& ok = answers[accepted];
  const HttpAnswer& busy = answers[1 - accepted];
  ASSERT_EQ(ok.status, 202) << ok.body;
  ASSERT_EQ(busy.status, 409) << busy.body;
  const std::string id = ok.json()["job"]["id"].get<std::string>();
  auto error = busy.json()["error"];
  EXPECT_EQ(error["code"], "repository_busy") << busy.body;
  EXPECT_EQ(error["job_id"], id) << busy.body;

  auto job = waitFinished(sup, id);
  EXPECT_EQ(job["state"], "succeeded") << describe(job);
  EXPECT_EQ(jobsWhere(sup, "backup", "api").size(), 1u) << describe(jobsOf(sup));
  EXPECT_EQ(sup.get("/api/v1/backups").json()["backups"].size(), 2u);
}

TEST(Backups, S3OutageWhileWritingIsReportedAndCaughtUpWithoutAGap) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  auto env = s3.env(1, "/it-outage");
  // pgBackRest's io-timeout of 60 s makes one archive-push hang ~8 min against a dead endpoint;
  // 2 s makes it fail in ~16 s. WAL waiting 10 s already counts as unhealthy.
  env["PGBACKREST_IO_TIMEOUT"] = "2";
  auto sup_env = env;
  sup_env["PGBR_ARCHIVE_ALERT_S"] = "10";
  SupervisorUnderTest sup(dir.path(), sup_env);
  ASSERT_TRUE(sup.startAndSettle());
  auto init = run(pgbench(sup, {"-i", "-s", "1", "-q"}), withPassword());
  ASSERT_EQ(init.code, 0) << init.output;
  const std::string before = writeAndSwitchWal(sup);
  ASSERT_TRUE(waitArchived(sup, before)) << lastArchivedWal(sup);
  ASSERT_TRUE(eventually(
      [&] { return sup.get("/api/v1/status").json()["archive"]["healthy"] == true; }, 30s))
      << sup.get("/api/v1/status").body;

  // The outage, while pgbench writes and WAL segments complete.
  ASSERT_TRUE(s3.stop()) << s3.lastOutput();
  const auto outage_start = std::chrono::steady_clock::now();
  CommandOutput bench;
  std::thread writer([&] {
    bench = run(pgbench(sup, {"-n", "-c", "2", "-T", "15"}), withPassword());
  });
  std::string last_switched;
  Json archive;
  const bool noticed = eventually(
      [&] {
        last_switched = std::max(last_switched, writeAndSwitchWal(sup));
        archive = sup.get("/api/v1/status").json()["archive"];
        return archive["healthy"] == false;
      },
      90s, 1000ms);
  const auto noticed_after = std::chrono::steady_clock::now() - outage_start;
  writer.join();
  ASSERT_TRUE(noticed) << "archiving still healthy 90 s into the outage: " << archive.dump();
  EXPECT_EQ(bench.code, 0) << "writes go on while the repository is away: " << bench.output;
  ASSERT_TRUE(archive["message"].is_string());
  EXPECT_NE(archive["message"].get<std::string>().find("archiving is failing"), std::string::npos)
      << archive.dump();
  EXPECT_GT(archive["waiting"].get<int>(), 0) << archive.dump();
  std::cout << "[ info ] unhealthy after "
            << std::chrono::duration_cast<std::chrono::seconds>(noticed_after).count() << " s\n";
  last_switched = std::max(last_switched, writeAndSwitchWal(sup));

  // Back on the same port with the same data: archiving catches up by itself. A new segment now
  // and then wakes Postgres' archiver, which otherwise waits up to a minute between retries, as
  // a database in use does anyway.
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  const auto back = std::chrono::steady_clock::now();
  auto last_nudge = back;
  const bool caught_up = eventually(
      [&] {
        archive = sup.get("/api/v1/status").json()["archive"];
        if (archive["healthy"] == true && archive["waiting"] == 0 &&
            lastArchivedWal(sup) >= last_switched)
          return true;
        if (std::chrono::steady_clock::now() - last_nudge > 10s) {
          writeAndSwitchWal(sup);
          last_nudge = std::chrono::steady_clock::now();
        }
        return false;
      },
      120s, 500ms);
  ASSERT_TRUE(caught_up) << archive.dump();
  std::cout << "[ info ] caught up "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                back)
                   .count()
            << " s after S3 came back\n";

  // No gap: every segment from the first archived to the last switched one is in the repository.
  auto segments = archivedSegments(sup, env, 1);
  ASSERT_FALSE(segments.empty());
  EXPECT_GE(*segments.rbegin(), last_switched);
  const uint64_t first = segmentNumber(*segments.begin());
  const uint64_t last = segmentNumber(*segments.rbegin());
  EXPECT_EQ(segments.size(), last - first + 1)
      << "a hole in the archive between " << *segments.begin() << " and " << *segments.rbegin();
  auto verify = pgbackrest(sup, env, {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_EQ(verify.output.find("ERROR"), std::string::npos) << verify.output;
}

TEST(Backups, JobHistoryAndScheduleSurviveRestartsAndKills) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  const Json before = jobsOf(sup);
  ASSERT_GE(before.size(), 3u) << before.dump();
  const std::string full_id = jobsWhere(sup, "backup", "startup").at(0)["id"].get<std::string>();
  // Enough data that the backup killed below is still copying when the kill lands.
  auto init = run(pgbench(sup, {"-i", "-s", "5", "-I", "dtGp"}), withPassword());
  ASSERT_EQ(init.code, 0) << init.output;

  // A clean stop and a start on the same folders.
  ASSERT_EQ(sup.stop(SIGTERM, 30s), 0) << sup.output();
  ASSERT_TRUE(sup.startAndSettle());
  for (const auto& old : before) {
    auto now = sup.get("/api/v1/jobs/" + old["id"].get<std::string>());
    ASSERT_EQ(now.status, 200) << old.dump();
    EXPECT_EQ(now.json()["state"], old["state"]) << now.body;
    EXPECT_EQ(now.json()["kind"], old["kind"]) << now.body;
    EXPECT_EQ(now.json()["backup_label"], old["backup_label"]) << now.body;
  }
  EXPECT_TRUE(jobsWhere(sup, "backup", "startup").size() == 1u)
      << "a repository with a backup gets no second startup backup";
  auto schedule = sup.get("/api/v1/schedule").json();
  ASSERT_TRUE(schedule["schedule"].is_array()) << schedule.dump();
  ASSERT_EQ(schedule["schedule"][0]["type"], "full");
  EXPECT_EQ(schedule["schedule"][0]["last_result"], "succeeded") << schedule.dump();
  EXPECT_EQ(schedule["schedule"][0]["last_job_id"], full_id) << schedule.dump();
  EXPECT_TRUE(fs::exists(sup.stateDir() / "schedule.json"));

  // Killed while a backup runs: nothing could record the end, so the next start says so.
  auto started = sup.post("/api/v1/backups", Json{{"type", "full"}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string running_id = started.json()["job"]["id"].get<std::string>();
  ASSERT_TRUE(eventually(
      [&] { return sup.get("/api/v1/jobs/" + running_id).json()["state"] == "running"; }, 30s));
  sup.kill(SIGKILL);
  ASSERT_TRUE(sup.exitCode().has_value());
  // A container runtime would take the whole container down; here the postmaster and the backup
  // outlive their supervisor and are stopped by hand, by pid.
  const std::string pid_line = readFile(sup.pgdata() / "postmaster.pid");
  if (!pid_line.empty()) {
    const pid_t postmaster = static_cast<pid_t>(std::stol(pid_line));
    ::kill(postmaster, SIGQUIT);
    ASSERT_TRUE(eventually([&] { return processGone(postmaster); }, 30s));
  }
  for (pid_t p : processesMentioning(sup.stateDir().string(), "pgbackrest")) ::kill(p, SIGKILL);
  ASSERT_TRUE(eventually(
      [&] { return processesMentioning(sup.stateDir().string(), "pgbackrest").empty(); }, 10s));

  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  auto killed = sup.get("/api/v1/jobs/" + running_id).json();
  EXPECT_EQ(killed["state"], "failed") << killed.dump();
  EXPECT_NE(field(killed, "message").find("interrupted"), std::string::npos) << killed.dump();
  EXPECT_TRUE(killed["finished_at"].is_string()) << killed.dump();
  for (const auto& old : before)
    EXPECT_EQ(sup.get("/api/v1/jobs/" + old["id"].get<std::string>()).json()["state"],
              old["state"]);
  ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
  // The interrupted backup left the pgBackRest lock free: the next one runs.
  auto next = backupAndWait(sup, "incr");
  EXPECT_EQ(field(next, "state"), "succeeded") << describe(next);
}

TEST(Backups, CancelStopsTheBackupAndReleasesTheRepository) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path());
  ASSERT_TRUE(sup.startAndSettle());
  // About 150 MB: a full backup takes several seconds here. Server-side generation, no vacuum:
  // the fastest way to get there.
  auto init = run(pgbench(sup, {"-i", "-s", "10", "-I", "dtGp"}), withPassword());
  ASSERT_EQ(init.code, 0) << init.output;

  auto started = sup.post("/api/v1/backups", Json{{"type", "full"}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json()["job"]["id"].get<std::string>();
  // Cancel once it copies files (some progress), so the cancel hits pgBackRest mid-copy.
  ASSERT_TRUE(eventually(
      [&] {
        auto j = sup.get("/api/v1/jobs/" + id).json();
        return j["state"] == "running" && j["progress"].is_number();
      },
      60s, 100ms))
      << sup.get("/api/v1/jobs/" + id).body;
  auto cancel = sup.post("/api/v1/jobs/" + id + "/cancel", Json::object());
  ASSERT_EQ(cancel.status, 202) << cancel.body;
  EXPECT_EQ(cancel.json()["job"]["id"], id);

  auto job = waitFinished(sup, id, 60s);
  EXPECT_EQ(job["state"], "cancelled") << describe(job);
  EXPECT_TRUE(job["finished_at"].is_string());
  EXPECT_TRUE(eventually(
      [&] { return processesMentioning(sup.stateDir().string(), " backup").empty(); }, 10s))
      << "a pgbackrest backup process outlived the cancel";
  auto again = sup.post("/api/v1/jobs/" + id + "/cancel", Json::object());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(sup.get("/api/v1/backups").json()["backups"].size(), 1u) << "only the startup full";

  auto next = backupAndWait(sup, "full");
  EXPECT_EQ(field(next, "state"), "succeeded") << describe(next);
  EXPECT_EQ(sup.get("/api/v1/backups").json()["backups"].size(), 2u);
}

TEST(Backups, ScheduleRunsAnIncrBackup) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), {{"PGBR_SCHEDULE_INCR", "* * * * *"}});
  ASSERT_TRUE(sup.startAndSettle());
  // The next minute boundary fires it; allow for the backup itself.
  Json job;
  ASSERT_TRUE(eventually(
      [&] {
        auto scheduled = jobsWhere(sup, "backup", "schedule");
        if (scheduled.empty()) return false;
        job = scheduled.front();
        return job["state"] != "running" && job["state"] != "queued";
      },
      100s, 500ms))
      << describe(jobsOf(sup));
  EXPECT_EQ(job["state"], "succeeded") << describe(job);
  EXPECT_EQ(job["params"]["type"], "incr") << describe(job);
  EXPECT_EQ(job["backup_label"].get<std::string>().back(), 'I') << describe(job);

  Json incr;
  const Json schedule = sup.get("/api/v1/schedule").json();
  for (const auto& s : schedule["schedule"])
    if (field(s, "type") == "incr") incr = s;
  ASSERT_TRUE(incr.is_object()) << sup.get("/api/v1/schedule").body;
  EXPECT_EQ(incr["enabled"], true);
  EXPECT_EQ(incr["last_result"], "succeeded") << incr.dump();
  EXPECT_EQ(incr["last_job_id"], job["id"]) << incr.dump();
  ASSERT_TRUE(incr["next_run"].is_string()) << incr.dump();
  EXPECT_GT(incr["next_run"].get<std::string>(), nowRfc3339()) << incr.dump();
}

}  // namespace
}  // namespace pgbr::it
