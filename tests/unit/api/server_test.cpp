// Every /api/v1 route's status and JSON shape, error mapping, request limits, listening errors.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ServerTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    startServer();
  }
};

// A client on a bare socket, for what httplib's client never sends: a body after a delay, a
// second request on a connection, a request hidden in a body.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `done(text so far)` holds, the server closes (closed() turns true) or the
  // timeout passes; returns everything read.
  std::string readUntil(const std::function<bool(const std::string&)>& done,
                        std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && !done(text_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      text_.append(buffer, static_cast<size_t>(n));
    }
    return text_;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string text_;
};

size_t answersIn(const std::string& text) {
  static const std::regex status_line("HTTP/1\\.1 [0-9]{3} ");
  return static_cast<size_t>(std::distance(
      std::sregex_iterator(text.begin(), text.end(), status_line), std::sregex_iterator()));
}

void expectError(const httplib::Result& r, int status, const std::string& code) {
  ASSERT_TRUE(r) << "no answer";
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_THAT(r->get_header_value("Content-Type"), StartsWith("application/json"));
  const json body = jsonOf(r);
  ASSERT_TRUE(body.contains("error")) << r->body;
  EXPECT_EQ(body["error"]["code"], code) << r->body;
  const std::string message = body["error"]["message"];
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message[0], static_cast<char>(std::tolower(message[0]))) << message;
}

TEST_F(ServerTest, HealthzIsOkWithoutToken) {
  auto r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r), (json{{"status", "ok"}}));
}

TEST_F(ServerTest, ReadyzFollowsTheService) {
  auto r = get("/readyz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["ready"], true);

  service_.setReady({false, "postgres is starting"});
  r = get("/readyz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(jsonOf(r), (json{{"ready", false}, {"reason", "postgres is starting"}}));
}

TEST_F(ServerTest, MetricsArePrometheusText) {
  auto r = get("/metrics", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body,
            "# HELP pgbackrest_backup_count Backups\n# TYPE pgbackrest_backup_count gauge\n"
            "pgbackrest_backup_count 3\n");
}

TEST_F(ServerTest, StatusBackupsScheduleConfigPassTheServiceAnswers) {
  auto r = get("/api/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["postgres"]["state"], "RUNNING");

  r = get("/api/v1/backups");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["stanza"], "main");

  r = get("/api/v1/schedule");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The fake answers a bare array; the contract's shape is {"schedule": [...]}.
  EXPECT_EQ(jsonOf(r)["schedule"][0]["type"], "full");

  r = get("/api/v1/config");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["PGBR_API_TOKEN"], "(redacted)");
}

TEST_F(ServerTest, ReadAnswersAreReusedUntilTheServiceChangesOrASecondPasses) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/api/v1/status")->status, 200);
  EXPECT_EQ(service_.calls("status"), 1);

  service_.setStatus({{"postgres", {{"state", "STOPPED"}}}});
  auto r = get("/api/v1/status");
  EXPECT_EQ(jsonOf(r)["postgres"]["state"], "STOPPED") << "a change shows at once";
  EXPECT_EQ(service_.calls("status"), 2);
  get("/api/v1/status");
  EXPECT_EQ(service_.calls("status"), 2);

  clock_.advance(Millis(1000));  // ages and uptimes move with the clock
  get("/api/v1/status");
  EXPECT_EQ(service_.calls("status"), 3);

  // The seed's info and /api/v1/backups are one document.
  EXPECT_EQ(get("/api/v1/backups")->status, 200);
  r = get("/pgBackRest/info");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["stanza"], "main");
  EXPECT_EQ(service_.calls("backups"), 1);
  service_.setBackups({{"stanza", "other"}, {"backups", json::array()}});
  EXPECT_EQ(jsonOf(get("/pgBackRest/info"))["stanza"], "other");
  EXPECT_EQ(service_.calls("backups"), 2);
}

TEST_F(ServerTest, OneBackupByLabelOrLatestAndNotFound) {
  service_.setBackups({{"stanza", "main"},
                       {"backups",
                        {{{"label", "20261122-100000F"}, {"type", "full"}},
                         {{"label", "20261122-110000F_20261122-120000I"}, {"type", "incr"}}}}});
  auto r = get("/api/v1/backups/20261122-100000F");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["type"], "full");

  r = get("/api/v1/backups/latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["type"], "incr");

  expectError(get("/api/v1/backups/nope"), 404, "not_found");
}

TEST_F(ServerTest, StartBackupAnswers202WithLocationAndJob) {
  auto r = post("/api/v1/backups", R"({"type":"diff","annotation":{"reason":"before upgrade"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->get_header_value("Location"), "/api/v1/jobs/job-1");
  const json body = jsonOf(r);
  EXPECT_EQ(body["job"]["id"], "job-1");
  EXPECT_EQ(body["job"]["kind"], "backup");
  for (const char* field : {"state", "trigger", "created_at", "started_at", "finished_at",
                            "exit_code", "progress", "message", "backup_label"}) {
    EXPECT_TRUE(body["job"].contains(field)) << field;
  }
  EXPECT_EQ(service_.lastBackup().type, "diff");
  EXPECT_EQ(service_.lastBackup().annotation.at("reason"), "before upgrade");
  EXPECT_EQ(service_.lastBackup().trigger, JobTrigger::kApi);
}

TEST_F(ServerTest, BusyRepositoryAnswers409WithTheRunningJob) {
  service_.setStartError(
      Error{ErrorCode::kRepositoryBusy, "a backup runs; wait for job job-7", "job-7"});
  auto r = post("/api/v1/backups", R"({"type":"full"})");
  expectError(r, 409, "repository_busy");
  EXPECT_EQ(jsonOf(r)["error"]["job_id"], "job-7");
}

TEST_F(ServerTest, JobsListOneJobAndLimit) {
  auto r = get("/api/v1/jobs?limit=5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["jobs"][0]["id"], "job-1");
  EXPECT_EQ(service_.lastCount(), 5u);

  r = get("/api/v1/jobs?limit=999999999999999999999");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(service_.lastCount(), 1000u);  // clamped

  expectError(get("/api/v1/jobs?limit=ten"), 400, "bad_request");
  expectError(get("/api/v1/jobs?limit=-1"), 400, "bad_request");

  r = get("/api/v1/jobs/job-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["id"], "job-1");
  expectError(get("/api/v1/jobs/job-404"), 404, "not_found");
}

TEST_F(ServerTest, CancelAnswers202OrTheServiceConflict) {
  auto r = post("/api/v1/jobs/job-1/cancel", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(jsonOf(r)["job"]["id"], "job-1");

  service_.setCancelError(Error{ErrorCode::kConflict, "job job-1 is not running", {}});
  expectError(post("/api/v1/jobs/job-1/cancel", ""), 409, "conflict");
}

TEST_F(ServerTest, JobLogTail) {
  service_.setJobLog({{1, "P00   INFO: backup command begin"}, {2, "P00   INFO: backup end"}});
  auto r = get("/api/v1/jobs/job-1/log?tail=50");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json body = jsonOf(r);
  EXPECT_EQ(body["id"], "job-1");
  EXPECT_EQ(body["lines"][1], (json{{"seq", 2}, {"text", "P00   INFO: backup end"}}));
  EXPECT_EQ(body["last_seq"], 2);
  EXPECT_EQ(body["finished"], false);
  EXPECT_EQ(service_.lastCount(), 50u);
  expectError(get("/api/v1/jobs/job-9/log"), 404, "not_found");
  expectError(get("/api/v1/jobs/job-1/log?tail=x"), 400, "bad_request");
}

TEST_F(ServerTest, RestoreAnswers202AndPassesTheRequest) {
  auto r = post("/api/v1/restore",
                R"({"type":"time","target":"2026-11-22T10:00:00Z","target_action":"pause",)"
                R"("db_include":["app"],"confirm":"main"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(r->get_header_value("Location"), "/api/v1/jobs/job-1");
  EXPECT_EQ(jsonOf(r)["job"]["kind"], "restore");
  const RestoreRequest sent = service_.lastRestore();
  EXPECT_EQ(sent.type, "time");
  EXPECT_EQ(sent.target, "2026-11-22T10:00:00Z");
  EXPECT_EQ(sent.target_action, "pause");
  EXPECT_EQ(sent.db_include, std::vector<std::string>{"app"});
  EXPECT_EQ(sent.confirm, "main");
}

TEST_F(ServerTest, RestoreRefusalsKeepTheServiceCode) {
  service_.setStartError(Error{ErrorCode::kConfirmRequired, "confirm must be the stanza", {}});
  expectError(post("/api/v1/restore", R"({"type":"delta"})"), 400, "confirmation_required");
  service_.setStartError(Error{ErrorCode::kUnrecoverable, "target before the oldest backup", {}});
  expectError(post("/api/v1/restore", R"({"type":"immediate","confirm":"main"})"), 400,
              "unrecoverable_target");
}

TEST_F(ServerTest, ProcessesAndActions) {
  auto r = get("/api/v1/processes");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["processes"][0]["name"], "postgres");

  for (const std::string action : {"start", "stop", "restart"}) {
    r = post("/api/v1/processes/postgres/" + action, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202) << action;
    EXPECT_EQ(jsonOf(r)["process"]["name"], "postgres");
    EXPECT_EQ(service_.lastAction(), action);
  }
  expectError(post("/api/v1/processes/nginx/start", ""), 404, "not_found");
  expectError(post("/api/v1/processes/postgres/explode", ""), 404, "not_found");
  service_.setProcessError(Error{ErrorCode::kConflict, "postgres is already running", {}});
  expectError(post("/api/v1/processes/postgres/start", ""), 409, "conflict");
}

TEST_F(ServerTest, LogsListTailAndClear) {
  auto sink = std::make_shared<LogSink>("postgres", "");
  sink->appendLine("LOG:  database system is ready to accept connections");
  sink->appendLine("LOG:  checkpoint starting: time");
  service_.addLog(sink);

  auto r = get("/api/v1/logs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["logs"][0]["name"], "postgres");

  r = get("/api/v1/logs/postgres?tail=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json body = jsonOf(r);
  EXPECT_EQ(body["name"], "postgres");
  ASSERT_EQ(body["lines"].size(), 1u);
  EXPECT_EQ(body["lines"][0]["seq"], 2);
  EXPECT_EQ(body["last_seq"], 2);

  r = del("/api/v1/logs/postgres");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(jsonOf(r)["cleared"], true);
  EXPECT_TRUE(sink->tail(10).empty());

  expectError(get("/api/v1/logs/nope"), 404, "not_found");
  expectError(del("/api/v1/logs/nope"), 404, "not_found");
}

TEST_F(ServerTest, UnknownRouteIs404Json) {
  expectError(get("/api/v1/nothing-here"), 404, "not_found");
  expectError(get("/nothing-here", {}), 404, "not_found");
}

TEST_F(ServerTest, WrongMethodIs405JsonWithAllow) {
  auto r = client().Put("/api/v1/status", bearer(), "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET");
  EXPECT_EQ(jsonOf(r)["error"]["code"], "method_not_allowed");

  r = del("/api/v1/backups");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, POST");
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  const std::string big =
      R"({"type":"full","annotation":{"k":")" + std::string(70 * 1024, 'x') + R"("}})";
  expectError(post("/api/v1/backups", big), 413, "payload_too_large");
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(ServerTest, ChunkedBodyIsRefusedBeforeItIsRead) {
  // The server answers and closes without reading the body, so a client still writing it can
  // see the connection reset before it reads the answer: that is the refusal working, and the
  // client tries again. The answer must arrive within a few attempts.
  auto post = [&] {
    return client().Post(
        "/api/v1/backups", bearer(),
        [](size_t offset, httplib::DataSink& sink) {
          const std::string body = R"({"type":"full"})";
          if (offset == 0) sink.write(body.data(), body.size());
          sink.done();
          return true;
        },
        "application/json");
  };
  httplib::Result r = post();
  for (int attempt = 1; attempt < 10 && !r; ++attempt) r = post();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 411);
  EXPECT_EQ(jsonOf(r)["error"]["code"], "length_required");
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(ServerTest, HugeHeaderIsRefusedAndTheServerLivesOn) {
  auto r = get("/api/v1/status", {{"Authorization", std::string("Bearer ") + kToken},
                                  {"X-Padding", std::string(100 * 1024, 'a')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(jsonOf(r)["error"]["code"], "bad_request");

  // Many header lines, each under httplib's 8 KiB line limit, add up past our cap.
  httplib::Headers many = bearer();
  for (int i = 0; i < 50; ++i) many.emplace("X-Pad-" + std::to_string(i), std::string(1000, 'b'));
  r = get("/api/v1/status", many);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(jsonOf(r)["error"]["code"], "headers_too_large");
  EXPECT_EQ(service_.calls("status"), 0);

  r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, LongPathsAreRefusedBeforeRouting) {
  auto r = get("/api/v1/backups/" + std::string(5000, 'A'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);
  EXPECT_EQ(jsonOf(r)["error"]["code"], "uri_too_long");
  EXPECT_EQ(service_.calls("backup"), 0);
  r = get("/api/v1/backups/" + std::string(20000, 'A'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);  // httplib's own URI limit
  r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, AConnectionServesOneRequestAfterAnother) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
  for (size_t n = 1; n <= 3; ++n) {
    connection.send(request);
    const std::string text = connection.readUntil(
        [n](const std::string& t) { return answersIn(t) == n && t.ends_with("}"); },
        std::chrono::seconds(5));
    EXPECT_EQ(answersIn(text), n) << text;
    EXPECT_FALSE(connection.closed()) << "answer " << n;
  }
}

TEST_F(ServerTest, ABodyLeftUnreadByARefusalIsNeverTakenForTheNextRequest) {
  // A refusal before the body is read must end the connection: kept open, the body (here an
  // authorised status request) would be read as the connection's next request.
  const std::string hidden = std::string("GET /api/v1/status HTTP/1.1\r\nHost: test\r\n") +
                             "Authorization: Bearer " + kToken + "\r\n\r\n";
  std::string many_headers;
  for (int i = 0; i < 40; ++i)
    many_headers += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'b') + "\r\n";
  const std::vector<std::pair<std::string, std::string>> heads{
      {"414", "POST /api/v1/backups/" + std::string(2000, 'A') + " HTTP/1.1\r\nHost: test\r\n" +
                  "Content-Length: " + std::to_string(hidden.size()) + "\r\n\r\n"},
      {"431", "POST /api/v1/backups HTTP/1.1\r\nHost: test\r\n" + many_headers +
                  "Content-Length: " + std::to_string(hidden.size()) + "\r\n\r\n"},
      {"411", "POST /api/v1/backups HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"},
  };
  for (const auto& [status, head] : heads) {
    SCOPED_TRACE(status);
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.connected());
    connection.send(head);
    const std::string answer = connection.readUntil(
        [](const std::string& t) { return t.ends_with("}"); }, std::chrono::seconds(5));
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 " + status));
    EXPECT_THAT(answer, HasSubstr("Connection: close"));
    connection.send(hidden);
    const std::string text =
        connection.readUntil([](const std::string&) { return false; }, std::chrono::seconds(5));
    EXPECT_TRUE(connection.closed()) << "the connection stayed open";
    EXPECT_EQ(answersIn(text), 1u) << text;
  }
  EXPECT_EQ(service_.calls("status"), 0);
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(ServerTest, BadJsonBodiesAre400NamingTheProblem) {
  struct Case {
    std::string path;
    std::string body;
    std::string mention;
  };
  const std::vector<Case> cases = {
      {"/api/v1/backups", "", "empty"},
      {"/api/v1/backups", "{\"type\": \"full\"", "not valid json"},
      {"/api/v1/backups", "[\"full\"]", "json object"},
      {"/api/v1/backups", R"({"type":"full","colour":"red"})", "\"colour\""},
      {"/api/v1/backups", R"({"type":7})", "\"type\""},
      {"/api/v1/backups", R"({"annotation":{}})", "\"type\""},
      {"/api/v1/backups", R"({"type":"weekly"})", "\"type\""},
      {"/api/v1/backups", R"({"type":"full","annotation":["a"]})", "\"annotation\""},
      {"/api/v1/backups", R"({"type":"full","annotation":{"k":1}})", "annotation key \"k\""},
      {"/api/v1/restore", R"({"type":"time","target":"2026-02-30T10:00:00Z","confirm":"main"})",
       "\"target\""},
      {"/api/v1/restore", R"({"type":"time","confirm":"main"})", "\"target\""},
      {"/api/v1/restore", R"({"type":"lsn","target":"yesterday","confirm":"main"})", "\"target\""},
      {"/api/v1/restore", R"({"type":"delta","db_include":"app","confirm":"main"})",
       "\"db_include\""},
      {"/api/v1/restore", R"({"type":"delta","confirm":["main"]})", "\"confirm\""},
      {"/api/v1/restore", R"({"type":"delta","force":true,"confirm":"main"})", "\"force\""},
      {"/api/v1/session", R"({"token":42})", "\"token\""},
  };
  for (const Case& c : cases) {
    auto r = post(c.path, c.body);
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->status, 400) << c.body;
    const json body = jsonOf(r);
    EXPECT_EQ(body["error"]["code"], "bad_request") << c.body;
    std::string message = body["error"]["message"];
    std::transform(message.begin(), message.end(), message.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    EXPECT_THAT(message, HasSubstr(c.mention)) << c.body;
  }
  EXPECT_EQ(service_.jobStarts(), 0);
}

TEST_F(ServerTest, ShellAndSqlLookalikesReachTheServiceVerbatimAsOneValue) {
  const std::string shell = "; rm -rf /";
  const std::string sql = "'; DROP TABLE x; --";
  auto r = post("/api/v1/backups",
                json{{"type", "full"}, {"annotation", {{"note", shell}, {"by", sql}}}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  const BackupRequest backup = service_.lastBackup();
  ASSERT_EQ(backup.annotation.size(), 2u);
  EXPECT_EQ(backup.annotation.at("note"), shell);
  EXPECT_EQ(backup.annotation.at("by"), sql);

  r = post("/api/v1/restore", json{{"type", "name"}, {"target", sql}, {"confirm", shell}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(service_.lastRestore().target, sql);
  EXPECT_EQ(service_.lastRestore().confirm, shell);

  // In a path: one segment, handed on as a label.
  r = get("/api/v1/backups/%27%3B%20DROP%20TABLE%20x%3B%20--");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(service_.lastArgument(), sql);

  r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, InvalidUtf8InAPathIsEchoedSafely) {
  auto r = get("/api/v1/backups/%ff%fe");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(jsonOf(r).is_object()) << r->body;
}

TEST_F(ServerTest, SecurityHeadersOnEveryAnswer) {
  auto r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY");
}

TEST_F(ServerTest, DashboardRootIsServedWithoutToken) {
  auto r = get("/", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->get_header_value("Content-Type"), StartsWith("text/html"));
  EXPECT_EQ(r->get_header_value_count("Cache-Control"), 1u);
}

TEST(ServerListenTest, PortInUseIsOneClearLine) {
  FakeService service;
  ApiOptions options = optionsFor(AuthMode::kNone);
  ApiServer first(service, options);
  ASSERT_EQ(first.bind("127.0.0.1:0"), "");
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());

  ApiServer second(service, options);
  EXPECT_EQ(second.bind(taken), "cannot listen on " + taken +
                                    ": address already in use; set PGBR_API_LISTEN to a free "
                                    "address");
}

TEST(ServerListenTest, BadAddressesAreOneClearLine) {
  FakeService service;
  ApiServer server(service, optionsFor(AuthMode::kNone));
  EXPECT_THAT(server.bind("nonsense"), StartsWith("cannot listen on nonsense: "));
  EXPECT_THAT(server.bind("example.com:5000"), StartsWith("cannot listen on example.com:5000: "));
  // An address this machine does not have.
  EXPECT_EQ(server.bind("192.0.2.1:5000"),
            "cannot listen on 192.0.2.1:5000: cannot assign requested address; set "
            "PGBR_API_LISTEN to a free address");
  EXPECT_EQ(server.port(), 0);
}

TEST(ServerListenTest, TokenModeNeedsAToken) {
  FakeService service;
  EXPECT_THROW(ApiServer(service, optionsFor(AuthMode::kToken, "")), std::invalid_argument);
}

TEST(ServerListenTest, StopRightAfterStartReturns) {
  FakeService service;
  ApiServer server(service, optionsFor(AuthMode::kNone));
  ASSERT_EQ(server.bind("127.0.0.1:0"), "");
  server.start();
  server.stop();
  server.stop();  // idempotent
}

}  // namespace
}  // namespace pgbr::testing
