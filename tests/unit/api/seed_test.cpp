// The seed-compatible /pgBackRest routes: same paths, token required, the job run to completion,
// HTML for browsers (the whole log) and otherwise a JSON summary a person can read (the job and
// the last lines of its log; ?output=full for all of it), failure 500, busy 409; info never
// starts a job.
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const httplib::Headers kBrowser = {
    {"Authorization", std::string("Bearer ") + kToken},
    {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}};

class SeedTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    service_.setJobLog({{1, "P00   INFO: backup command begin 2.45: --type=full"},
                        {2, "P00   INFO: <new backup label> = 20261122-100000F & done"}});
    startServer();
  }
};

// What `curl -H "Authorization: Bearer $TOKEN" http://host:5000/pgBackRest/backup/full` sends.
const httplib::Headers kCurl = {{"Authorization", std::string("Bearer ") + kToken},
                                {"Accept", "*/*"}};

// A backup's log as pgBackRest writes it at detail level: one line per copied file, then the end.
std::vector<LogLine> backupLog(size_t files) {
  std::vector<LogLine> lines;
  uint64_t seq = 0;
  lines.push_back({++seq, "P00   INFO: backup command begin 2.45: --type=full --stanza=main"});
  for (size_t i = 0; i < files; ++i) {
    lines.push_back(
        {++seq, "P01 DETAIL: backup file /var/lib/postgresql/data/base/5/" +
                    std::to_string(16384 + i) +
                    " (8KB, 42.00%) checksum 0123456789abcdef0123456789abcdef01234567"});
  }
  lines.push_back({++seq, "P00   INFO: new backup label = 20261122-100000F"});
  lines.push_back({++seq, "P00   INFO: full backup size = 22MB, file total = 970"});
  lines.push_back({++seq, "P00   INFO: backup command end: completed successfully (5012ms)"});
  return lines;
}

TEST_F(SeedTest, BackupAsCurlGetsJsonWithTheLog) {
  service_.setFinalState(JobState::kSucceeded);
  for (const std::string type : {"full", "diff", "incr"}) {
    auto r = get("/pgBackRest/backup/" + type, kCurl);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_THAT(r->get_header_value("Content-Type"), StartsWith("application/json"));
    EXPECT_THAT(r->body, ::testing::EndsWith("}\n"));
    const json body = jsonOf(r);
    EXPECT_EQ(body["job"]["state"], "succeeded");
    EXPECT_EQ(body["log"][0], "P00   INFO: backup command begin 2.45: --type=full");
    EXPECT_EQ(body["log_omitted"], 0);
    EXPECT_EQ(body["log_url"], "/api/v1/jobs/job-1/log?tail=100000");
    EXPECT_EQ(service_.lastBackup().type, type);
  }
  EXPECT_EQ(service_.calls("startBackup"), 3);
}

// A person running the README's curl wants the outcome, not one line per copied file.
TEST_F(SeedTest, CurlGetsTheOutcomeAndTheLastLinesOfABigLog) {
  service_.setJobLog(backupLog(5000));
  Job job;
  job.id = "job-1";
  job.kind = JobKind::kBackup;
  job.state = JobState::kQueued;
  job.created_at = WallTime(std::chrono::seconds(1'795'000'000));
  job.started_at = job.created_at;
  job.finished_at = *job.started_at + std::chrono::seconds(5);
  job.backup_label = "20261122-100000F";
  job.message = "full backup 20261122-100000F taken";
  service_.setJob(job);
  service_.setFinalState(JobState::kSucceeded);

  auto r = get("/pgBackRest/backup/full", kCurl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(r->body.size(), 6000u) << r->body;
  EXPECT_THAT(r->body, ::testing::EndsWith("\n"));
  // Indented: one field per line, so a terminal shows it without a JSON tool.
  EXPECT_THAT(r->body, HasSubstr("\n  \"job\": {\n    \""));
  const json body = jsonOf(r);
  EXPECT_EQ(body["job"]["id"], "job-1");
  EXPECT_EQ(body["job"]["state"], "succeeded");
  EXPECT_EQ(body["job"]["backup_label"], "20261122-100000F");
  EXPECT_EQ(body["job"]["duration_s"], 5.0);
  EXPECT_EQ(body["job"]["message"], "full backup 20261122-100000F taken");
  ASSERT_TRUE(body["log"].is_array());
  ASSERT_LE(body["log"].size(), 20u);
  EXPECT_EQ(body["log"].back(), "P00   INFO: backup command end: completed successfully (5012ms)");
  EXPECT_EQ(body["log_omitted"].get<size_t>() + body["log"].size(), 5004u);
  EXPECT_EQ(service_.lastCount(), body["log"].size());

  // The whole output stays one parameter away, and is on the job's log route.
  r = get("/pgBackRest/backup/full?output=full", kCurl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["log"].size(), 5004u);
  EXPECT_EQ(jsonOf(r)["log_omitted"], 0);
  r = get("/api/v1/jobs/job-1/log?tail=100000");
  ASSERT_TRUE(r);
  EXPECT_EQ(jsonOf(r)["lines"].size(), 5004u);

  // The browser's page is the seed's: the log as before the summary (its newest 5000 lines).
  r = get("/pgBackRest/backup/full", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("base/5/16387 (8KB"), std::string::npos);
  EXPECT_NE(r->body.find("base/5/21383 (8KB"), std::string::npos);
  EXPECT_EQ(r->body.find("base/5/16386 (8KB"), std::string::npos);
}

TEST_F(SeedTest, SummaryCutsLongLinesWithoutSplittingACharacter) {
  // 299 ASCII bytes, then a two-byte character across the 300-byte cut.
  const std::string long_line = std::string(299, 'x') + "\xc3\xa9" + std::string(500, 'y');
  service_.setJobLog({{1, long_line}});
  service_.setFinalState(JobState::kSucceeded);
  auto r = get("/pgBackRest/backup/full", kCurl);
  ASSERT_TRUE(r);
  const std::string shown = jsonOf(r)["log"][0];
  EXPECT_EQ(shown, std::string(299, 'x') + " [...]");
  r = get("/pgBackRest/backup/full?output=full", kCurl);
  ASSERT_TRUE(r);
  EXPECT_EQ(jsonOf(r)["log"][0], long_line);
}

TEST_F(SeedTest, UnknownOutputIs400AndStartsNothing) {
  for (const std::string path : {"/pgBackRest/backup/full?output=all", "/pgBackRest/create?output=",
                                 "/pgBackRest/restore/delta?output=FULL"}) {
    auto r = get(path, kCurl);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_EQ(jsonOf(r)["error"]["code"], "bad_request") << path;
    EXPECT_THAT(r->body, HasSubstr("output must be summary"));
    r = get(path, kBrowser);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_THAT(r->body, HasSubstr("<h1> Failure </h1>"));
  }
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(SeedTest, BackupInABrowserGetsTheSeedHtmlEscaped) {
  service_.setFinalState(JobState::kSucceeded);
  auto r = get("/pgBackRest/backup/full", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->get_header_value("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(r->body, HasSubstr("<h1> Success </h1> <br/>"));
  EXPECT_THAT(r->body, HasSubstr("<br/>\nP00   INFO: backup command begin"));
  EXPECT_THAT(r->body, HasSubstr("&lt;new backup label&gt; = 20261122-100000F &amp; done<br/>"));
  EXPECT_THAT(r->body, Not(HasSubstr("<new backup label>")));
}

TEST_F(SeedTest, FailedJobIs500InBothFlavours) {
  service_.setFinalState(JobState::kFailed);
  auto r = get("/pgBackRest/backup/incr");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const json body = jsonOf(r);
  EXPECT_EQ(body["job"]["state"], "failed");
  EXPECT_EQ(body["error"]["code"], "command_failed");
  EXPECT_EQ(body["log"].size(), 2u);

  r = get("/pgBackRest/backup/incr", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_THAT(r->body, HasSubstr("<h1> Failure </h1>"));
}

TEST_F(SeedTest, BusyIs409WithTheRunningJob) {
  service_.setStartError(Error{ErrorCode::kRepositoryBusy, "a backup runs", "job-5"});
  auto r = get("/pgBackRest/backup/full");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_THAT(r->body, ::testing::EndsWith("}\n"));
  EXPECT_EQ(jsonOf(r)["error"]["code"], "repository_busy");
  EXPECT_EQ(jsonOf(r)["error"]["job_id"], "job-5");

  r = get("/pgBackRest/backup/full", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_THAT(r->body, HasSubstr("<h1> Failure </h1>"));
  EXPECT_THAT(r->body, HasSubstr("job-5"));
}

TEST_F(SeedTest, WaitsForTheJobToFinish) {
  auto answer = std::async(std::launch::async, [this] { return get("/pgBackRest/backup/full"); });
  // The request is waiting on the job, in slices.
  ASSERT_TRUE(eventually([&] { return service_.calls("waitJob") >= 2; }));
  EXPECT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  service_.finishJob(JobState::kSucceeded);
  auto r = answer.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["job"]["state"], "succeeded");
}

TEST_F(SeedTest, StoppingServerAnswersRunningJob) {
  auto answer = std::async(std::launch::async, [this] { return get("/pgBackRest/backup/full"); });
  ASSERT_TRUE(eventually([&] { return service_.calls("waitJob") >= 1; }));
  server_->stop();
  auto r = answer.get();
  // The job goes on; the answer says where to follow it.
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->get_header_value("Location"), "/api/v1/jobs/job-1");
  EXPECT_EQ(jsonOf(r)["job"]["state"], "queued");
}

TEST_F(SeedTest, RestoreDeltaRestoresTheLatestConfirmedByTheStanza) {
  service_.setFinalState(JobState::kSucceeded);
  auto r = get("/pgBackRest/restore/delta");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const RestoreRequest sent = service_.lastRestore();
  EXPECT_EQ(sent.type, "delta");
  EXPECT_EQ(sent.confirm, "main");
  EXPECT_EQ(sent.target, "");
  EXPECT_EQ(jsonOf(r)["job"]["kind"], "restore");
}

TEST_F(SeedTest, CreateRunsStanzaCreate) {
  service_.setFinalState(JobState::kSucceeded);
  auto r = get("/pgBackRest/create", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(service_.calls("startStanzaCreate"), 1);
  EXPECT_THAT(r->body, HasSubstr("<h1> Success </h1>"));
}

TEST_F(SeedTest, InfoNeverStartsAJob) {
  service_.setBackups(
      {{"stanza", "main"},
       {"status", {{"code", 0}, {"message", "ok"}}},
       {"archive", {{"min", "000000010000000000000001"}, {"max", "000000010000000000000009"}}},
       {"backups",
        {{{"label", "20261122-100000F"},
          {"type", "full"},
          {"started_at", "2026-11-22T10:00:00Z"},
          {"finished_at", "2026-11-22T10:00:06Z"},
          {"wal_start", "000000010000000000000002"},
          {"wal_stop", "000000010000000000000002"},
          {"size", 23173120},
          {"delta", 23173120},
          {"repo_size", 2831155},
          {"repo_delta", 2831155},
          {"repo", 1}}}}});
  auto r = get("/pgBackRest/info", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr("stanza: main<br/>"));
  EXPECT_THAT(r->body, HasSubstr("full backup: 20261122-100000F<br/>"));
  EXPECT_THAT(r->body,
              HasSubstr("timestamp start/stop: 2026-11-22T10:00:00Z / 2026-11-22T10:00:06Z"));
  EXPECT_THAT(r->body, HasSubstr("wal start/stop: 000000010000000000000002 / "));
  EXPECT_THAT(r->body, HasSubstr("database size: 22.1MB"));
  EXPECT_THAT(r->body, HasSubstr("repo1: backup set size: 2.7MB"));

  r = get("/pgBackRest/info");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["backups"][0]["label"], "20261122-100000F");

  EXPECT_EQ(service_.jobStarts(), 0);
  EXPECT_EQ(service_.calls("waitJob"), 0);
  EXPECT_EQ(service_.calls("backups"), 2);
}

TEST_F(SeedTest, DbStatusIsThePostgresPart) {
  auto r = get("/pgBackRest/db_status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r), (json{{"state", "RUNNING"}, {"ready", true}, {"pid", 42}}));

  service_.setStatus({{"postgres", {{"state", "BACKOFF"}, {"ready", false}}}});
  r = get("/pgBackRest/db_status", kBrowser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_THAT(r->body, HasSubstr("<h1> Failure </h1>"));
  EXPECT_THAT(r->body, HasSubstr("state: BACKOFF<br/>"));
}

TEST_F(SeedTest, TokenIsRequired) {
  service_.setFinalState(JobState::kSucceeded);
  for (const char* path : {"/pgBackRest/info", "/pgBackRest/backup/full", "/pgBackRest/db_status",
                           "/pgBackRest/restore/delta", "/pgBackRest/create"}) {
    auto r = get(path, {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
  }
  EXPECT_EQ(service_.jobStarts(), 0);
}

}  // namespace
}  // namespace pgbr::testing
