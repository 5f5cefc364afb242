// The HTTP API against the real supervisor: every route of the contract answers with its
// documented status and shape, the token guards every route but the open ones, log follows
// stream as Server-Sent Events, no answer carries a secret, the seed's curl commands keep
// working, and hostile text travels as data.
//
// One supervisor serves the whole suite (its start-up is most of the cost); each test waits for
// it to be idle with Postgres running, and leaves it so.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

const char* const kPassword = "it-secret-pw";  // the harness's POSTGRES_PASSWORD

struct SseEvent {
  std::string event = "message";
  std::string id;
  std::string data;
};

// Splits a Server-Sent Events stream into events; comments (": keep-alive") are left out.
std::vector<SseEvent> parseEvents(const std::string& stream) {
  std::vector<SseEvent> events;
  size_t start = 0;
  for (size_t end = stream.find("\n\n"); end != std::string::npos;
       start = end + 2, end = stream.find("\n\n", start)) {
    SseEvent event;
    bool any = false;
    std::istringstream block(stream.substr(start, end - start));
    for (std::string line; std::getline(block, line);) {
      if (line.starts_with("event: ")) {
        event.event = line.substr(7);
      } else if (line.starts_with("id: ")) {
        event.id = line.substr(4);
      } else if (line.starts_with("data: ")) {
        event.data = line.substr(6);
      } else {
        continue;
      }
      any = true;
    }
    if (any) events.push_back(event);
  }
  return events;
}

// The real curl binary; returns the HTTP status and the body.
std::pair<int, std::string> curl(std::vector<std::string> args) {
  args.insert(args.begin(), {"curl", "-sS", "--max-time", "120", "-w", "\n%{http_code}"});
  const CommandOutput out = run(args);
  const size_t cut = out.output.rfind('\n');
  if (out.code != 0 || cut == std::string::npos) return {0, out.output};
  return {std::atoi(out.output.c_str() + cut + 1), out.output.substr(0, cut)};
}

class Api : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    dir_ = std::make_unique<TempDir>();
    // A large info refresh interval: only jobs refresh the cached repository view here.
    sup_ = std::make_unique<SupervisorUnderTest>(
        dir_->path(), std::map<std::string, std::string>{{"PGBR_INFO_REFRESH_S", "3600"}});
    sup_->start();
  }
  static void TearDownTestSuite() {
    sup_.reset();  // stops the supervisor before its folder goes
    dir_.reset();
  }

  void SetUp() override {
    PGBR_REQUIRE_ROOT();
    ASSERT_TRUE(sup().waitReady()) << sup().output();
    ASSERT_TRUE(sup().waitStartupDone()) << sup().output();
    ASSERT_TRUE(eventually(
        [&] {
          const Json s = sup().get("/api/v1/status").json();
          return s.is_object() && s["running_job"].is_null() &&
                 s["postgres"].value("state", "") == "RUNNING";
        },
        60s));
  }

  static SupervisorUnderTest& sup() { return *sup_; }
  static std::string base() { return "http://localhost:" + std::to_string(sup_->apiPort()); }
  static std::string bearer() { return "Authorization: Bearer " + sup_->token(); }

  static int postgresPid() {
    const Json p = sup().get("/api/v1/processes").json();
    return p["processes"][0].value("pid", 0);
  }

  // Neither the database password nor the API token may appear in `body`.
  static void expectNoSecret(const std::string& what, const std::string& body) {
    EXPECT_EQ(body.find(kPassword), std::string::npos) << what << " shows the password";
    EXPECT_EQ(body.find(sup_->token()), std::string::npos) << what << " shows the api token";
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<SupervisorUnderTest> sup_;
};

TEST_F(Api, HealthReadinessMetricsAndTheOpenApiDocumentNeedNoToken) {
  const HttpAnswer health = sup().request("GET", "/healthz", nullptr, false);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json(), Json({{"status", "ok"}}));

  const HttpAnswer ready = sup().request("GET", "/readyz", nullptr, false);
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json().value("ready", false), true);

  const HttpAnswer metrics = sup().request("GET", "/metrics", nullptr, false);
  EXPECT_EQ(metrics.status, 200);
  const auto type = metrics.headers.find("Content-Type");
  ASSERT_NE(type, metrics.headers.end());
  EXPECT_TRUE(type->second.starts_with("text/plain")) << type->second;
  const std::string label = sup().get("/api/v1/backups/latest").json().value("label", "");
  ASSERT_FALSE(label.empty());
  EXPECT_NE(metrics.body.find("pgbackrest_backup_info{backup_name=\"" + label +
                              "\",backup_type=\"full\",repo_key=\"1\",stanza=\"main\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("pgbr_process_up{name=\"postgres\"} 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("# TYPE pgbr_info_refreshes_total counter"), std::string::npos);
  expectNoSecret("/metrics", metrics.body);

  const HttpAnswer openapi = sup().request("GET", "/api/v1/openapi.json", nullptr, false);
  EXPECT_EQ(openapi.status, 200);
  const Json doc = openapi.json();
  ASSERT_TRUE(doc.is_object()) << openapi.body.substr(0, 200);
  EXPECT_TRUE(doc.value("openapi", "").starts_with("3.")) << doc.value("openapi", "");
  for (const char* path : {"/api/v1/status",
                           "/api/v1/backups",
                           "/api/v1/backups/{label}",
                           "/api/v1/jobs",
                           "/api/v1/jobs/{id}",
                           "/api/v1/jobs/{id}/cancel",
                           "/api/v1/jobs/{id}/log",
                           "/api/v1/restore",
                           "/api/v1/processes",
                           "/api/v1/processes/{name}/restart",
                           "/api/v1/logs",
                           "/api/v1/logs/{name}",
                           "/api/v1/schedule",
                           "/api/v1/config",
                           "/api/v1/session",
                           "/healthz",
                           "/readyz",
                           "/metrics",
                           "/pgBackRest/info",
                           "/pgBackRest/backup/full",
                           "/pgBackRest/restore/delta",
                           "/pgBackRest/create",
                           "/pgBackRest/db_status"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
}

// Every route the OpenAPI document lists: the open ones answer without a token, every other one
// refuses a missing or wrong token with 401 before doing anything.
TEST_F(Api, TheTokenGuardsEveryRouteButTheOpenOnes) {
  const Json doc = sup().request("GET", "/api/v1/openapi.json", nullptr, false).json();
  ASSERT_TRUE(doc.is_object());
  const std::string job_id = sup().get("/api/v1/jobs?limit=1").json()["jobs"][0].value("id", "");
  ASSERT_FALSE(job_id.empty());
  auto concrete = [&](std::string path) {
    for (const auto& [name, value] : std::map<std::string, std::string>{
             {"{label}", "latest"}, {"{id}", job_id}, {"{name}", "postgres"}}) {
      if (const size_t at = path.find(name); at != std::string::npos)
        path.replace(at, name.size(), value);
    }
    return path;
  };
  const int pid = postgresPid();

  std::set<std::string> open;
  int protected_routes = 0;
  const Json empty = Json::object();
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [verb, operation] : operations.items()) {
      if (verb != "get" && verb != "post" && verb != "delete") continue;
      std::string method = verb;
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      const std::string route = method + " " + path;
      SCOPED_TRACE(route);
      const bool is_open = operation.contains("security") && operation["security"].empty();
      const Json* body = method == "POST" ? &empty : nullptr;
      if (is_open) {
        open.insert(route);
        const HttpAnswer answer = sup().request(method, concrete(path), body, false);
        EXPECT_NE(answer.status, 401) << answer.body;
        EXPECT_GT(answer.status, 0);
        continue;
      }
      ++protected_routes;
      const HttpAnswer none = sup().request(method, concrete(path), body, false);
      EXPECT_EQ(none.status, 401) << none.body;
      EXPECT_EQ(none.json()["error"].value("code", ""), "unauthorized") << none.body;
      const HttpAnswer wrong = sup().request(method, concrete(path), body, false,
                                             {{"Authorization", "Bearer not-the-token"}});
      EXPECT_EQ(wrong.status, 401) << wrong.body;
      const HttpAnswer basic = sup().request(method, concrete(path), body, false,
                                             {{"Authorization", "Basic " + sup().token()}});
      EXPECT_EQ(basic.status, 401) << basic.body;
      // Reading routes of the JSON API do answer with the token, so the 401s above are the
      // token's doing.
      if (method == "GET" && path.starts_with("/api/v1/")) {
        const HttpAnswer ok = sup().get(concrete(path));
        if (path == "/api/v1/drills/{id}" || path.starts_with("/api/v1/dumps/{id}")) {
          // No drill or dump has run here (it_drill and it_dumps run them): the handler's own
          // 404 is past the token.
          EXPECT_EQ(ok.status, 404) << ok.body.substr(0, 300);
          EXPECT_EQ(ok.json()["error"].value("code", ""), "not_found") << ok.body;
        } else {
          EXPECT_EQ(ok.status, 200) << ok.body.substr(0, 300);
        }
      }
    }
  }
  EXPECT_EQ(open, (std::set<std::string>{"GET /", "GET /healthz", "GET /readyz", "GET /metrics",
                                         "GET /api/v1/openapi.json", "GET /api/v1/session",
                                         "POST /api/v1/session", "DELETE /api/v1/session"}));
  EXPECT_GE(protected_routes, 25);
  // Nothing of the refused requests ran: no job, no restart.
  EXPECT_EQ(sup().get("/api/v1/jobs?limit=1").json()["jobs"][0].value("id", ""), job_id);
  EXPECT_EQ(postgresPid(), pid);
}

TEST_F(Api, ACookieSessionReadsButNeedsTheCsrfHeaderToChangeState) {
  const Json wrong_credentials{{"token", "nope"}};
  const HttpAnswer wrong = sup().request("POST", "/api/v1/session", &wrong_credentials, false);
  EXPECT_EQ(wrong.status, 401);
  const Json credentials{{"token", sup().token()}};
  const HttpAnswer signed_in = sup().request("POST", "/api/v1/session", &credentials, false);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  std::string session;
  std::string csrf;
  for (const auto& [name, value] : signed_in.headers) {
    if (name != "Set-Cookie") continue;
    const std::string pair = value.substr(0, value.find(';'));
    if (pair.starts_with("pgbr_session=")) {
      session = pair;
      EXPECT_NE(value.find("HttpOnly"), std::string::npos) << value;
      EXPECT_NE(value.find("SameSite=Strict"), std::string::npos) << value;
    }
    if (pair.starts_with("pgbr_csrf=")) csrf = pair.substr(10);
  }
  ASSERT_FALSE(session.empty());
  ASSERT_FALSE(csrf.empty());
  const std::string cookies = session + "; pgbr_csrf=" + csrf;

  const HttpAnswer status =
      sup().request("GET", "/api/v1/status", nullptr, false, {{"Cookie", cookies}});
  EXPECT_EQ(status.status, 200);
  const int pid = postgresPid();
  const HttpAnswer forged = sup().request("POST", "/api/v1/processes/postgres/restart", nullptr,
                                          false, {{"Cookie", cookies}});
  EXPECT_TRUE(forged.status == 401 || forged.status == 403) << forged.status << forged.body;
  EXPECT_EQ(postgresPid(), pid);
  const HttpAnswer out =
      sup().request("DELETE", "/api/v1/session", nullptr, false, {{"Cookie", cookies}});
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(sup().request("GET", "/api/v1/status", nullptr, false, {{"Cookie", cookies}}).status,
            401);
}

TEST_F(Api, StatusBackupsAndJobsHaveTheContractShape) {
  // in_recovery and connections are null until the monitor's next read of Postgres succeeds
  // (it may be between reads on a loaded machine): wait for one, with a deadline.
  Json status;
  ASSERT_TRUE(eventually(
      [&] {
        status = sup().get("/api/v1/status").json();
        return status.is_object() && status["postgres"]["in_recovery"].is_boolean();
      },
      30s))
      << status.dump();
  for (const char* key : {"state", "pid", "uptime_s", "ready", "in_recovery", "connections",
                          "version", "restarts", "last_exit"}) {
    EXPECT_TRUE(status["postgres"].contains(key)) << key;
  }
  EXPECT_EQ(status["postgres"].value("state", ""), "RUNNING");
  EXPECT_EQ(status["postgres"].value("in_recovery", true), false);
  for (const char* key : {"last_archived_wal", "last_archived_at", "last_archived_age_s",
                          "failed_count", "last_failed_wal", "last_failed_at", "waiting",
                          "oldest_waiting_age_s", "healthy", "message"}) {
    EXPECT_TRUE(status["archive"].contains(key)) << key;
  }
  for (const char* key : {"stanza", "status", "backup_count", "last_backup", "recoverable"}) {
    EXPECT_TRUE(status["repository"].contains(key)) << key;
  }
  EXPECT_EQ(status["repository"].value("stanza", ""), "main");
  ASSERT_TRUE(status["schedule"].is_array());
  EXPECT_EQ(status["schedule"].size(), 3u);
  EXPECT_TRUE(status["running_job"].is_null());
  EXPECT_EQ(status["supervisor"].value("auth", ""), "token");
  EXPECT_TRUE(status["supervisor"].contains("version"));

  const Json backups = sup().get("/api/v1/backups").json();
  EXPECT_EQ(backups.value("stanza", ""), "main");
  EXPECT_EQ(backups["status"].value("code", -1), 0) << backups.dump();
  ASSERT_TRUE(backups["backups"].is_array());
  ASSERT_FALSE(backups["backups"].empty());
  const Json& newest = backups["backups"].back();
  for (const char* key : {"label", "type", "started_at", "finished_at", "size", "repo_size",
                          "wal_start", "wal_stop", "prior", "annotation"}) {
    EXPECT_TRUE(newest.contains(key)) << key;
  }
  EXPECT_TRUE(backups["archive"].contains("min"));
  EXPECT_TRUE(backups["recoverable"].contains("from"));
  EXPECT_TRUE(backups["recoverable"].contains("to"));
  EXPECT_EQ(status["repository"].value("backup_count", 0u), backups["backups"].size());

  const HttpAnswer latest = sup().get("/api/v1/backups/latest");
  EXPECT_EQ(latest.status, 200);
  EXPECT_EQ(latest.json().value("label", ""), newest.value("label", ""));
  const HttpAnswer by_label = sup().get("/api/v1/backups/" + newest.value("label", ""));
  EXPECT_EQ(by_label.status, 200);
  EXPECT_EQ(by_label.json(), latest.json());
  const HttpAnswer missing = sup().get("/api/v1/backups/20010101-000000F");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"].value("code", ""), "not_found");

  const Json jobs = sup().get("/api/v1/jobs?limit=2").json();
  ASSERT_TRUE(jobs["jobs"].is_array());
  ASSERT_EQ(jobs["jobs"].size(), 2u);
  EXPECT_GE(jobs["jobs"][0].value("created_at", ""), jobs["jobs"][1].value("created_at", ""));
  const Json& job = jobs["jobs"][0];
  for (const char* key : {"id", "kind", "state", "trigger", "created_at", "started_at",
                          "finished_at", "exit_code", "progress", "message", "backup_label"}) {
    EXPECT_TRUE(job.contains(key)) << key;
  }
  const std::string id = job.value("id", "");
  const HttpAnswer one = sup().get("/api/v1/jobs/" + id);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.json().value("id", ""), id);
  EXPECT_EQ(sup().get("/api/v1/jobs/no-such-job").status, 404);
  const Json log = sup().get("/api/v1/jobs/" + id + "/log?tail=3").json();
  EXPECT_EQ(log.value("id", ""), id);
  ASSERT_TRUE(log["lines"].is_array());
  EXPECT_LE(log["lines"].size(), 3u);
  EXPECT_FALSE(log["lines"].empty());
  EXPECT_EQ(log.value("finished", false), true);
  EXPECT_EQ(log["lines"].back().value("seq", 0u), log.value("last_seq", 1u));
  EXPECT_EQ(sup().get("/api/v1/jobs/" + id + "/log?tail=x").status, 400);
}

// A full backup's log followed while it runs: events in order, then the end event.
TEST_F(Api, AJobLogFollowStreamsTheRunningBackup) {
  const HttpAnswer started = sup().post("/api/v1/backups", {{"type", "full"}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json()["job"].value("id", "");
  const auto location = started.headers.find("Location");
  ASSERT_NE(location, started.headers.end());
  EXPECT_EQ(location->second, "/api/v1/jobs/" + id);

  httplib::Client client("127.0.0.1", sup().apiPort());
  client.set_read_timeout(120);
  std::string stream;
  std::string state_at_first_event;
  std::string content_type;
  const httplib::Result result = client.Get(
      "/api/v1/jobs/" + id + "/log?follow=1",
      {{"Authorization", "Bearer " + sup().token()}, {"Accept", "text/event-stream"}},
      [&](const httplib::Response& response) {
        content_type = response.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t length) {
        stream.append(data, length);
        if (state_at_first_event.empty() && stream.find("\ndata: ") != std::string::npos) {
          state_at_first_event = sup().get("/api/v1/jobs/" + id).json().value("state", "?");
        }
        return true;
      });
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(content_type.starts_with("text/event-stream")) << content_type;
  EXPECT_TRUE(state_at_first_event == "running" || state_at_first_event == "queued")
      << state_at_first_event;

  const std::vector<SseEvent> events = parseEvents(stream);
  ASSERT_GE(events.size(), 4u) << stream;
  std::vector<std::string> texts;
  uint64_t previous = 0;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    ASSERT_EQ(events[i].event, "message") << events[i].data;
    const Json line = Json::parse(events[i].data, nullptr, false);
    ASSERT_TRUE(line.is_object()) << events[i].data;
    const uint64_t seq = line.value("seq", 0u);
    EXPECT_EQ(seq, previous + 1);
    EXPECT_EQ(events[i].id, std::to_string(seq));
    previous = seq;
    texts.push_back(line.value("text", ""));
  }
  EXPECT_EQ(events.back().event, "end");
  EXPECT_EQ(Json::parse(events.back().data, nullptr, false), Json({{"state", "succeeded"}}));

  // The stream carried the same lines the job log holds.
  const Json log = sup().get("/api/v1/jobs/" + id + "/log?tail=100000").json();
  std::vector<std::string> logged;
  for (const Json& line : log["lines"]) logged.push_back(line.value("text", ""));
  EXPECT_EQ(texts, logged);
  EXPECT_EQ(sup().get("/api/v1/jobs/" + id).json().value("state", ""), "succeeded");

  // Following a finished job replays after the given line and ends at once.
  const HttpAnswer replay =
      sup().get("/api/v1/jobs/" + id + "/log?follow=1&after=" + std::to_string(previous - 1));
  const std::vector<SseEvent> replayed = parseEvents(replay.body);
  ASSERT_EQ(replayed.size(), 2u) << replay.body;
  EXPECT_EQ(replayed[0].id, std::to_string(previous));
  EXPECT_EQ(replayed[1].event, "end");
}

TEST_F(Api, ProcessRestartGoesThroughStoppingToANewPid) {
  const Json before = sup().get("/api/v1/processes").json();
  ASSERT_EQ(before["processes"].size(), 1u);
  const Json& postgres = before["processes"][0];
  for (const char* key : {"name", "state", "pid", "uptime_s", "restarts", "started_at", "last_exit",
                          "last_exit_at", "message"}) {
    EXPECT_TRUE(postgres.contains(key)) << key;
  }
  EXPECT_EQ(postgres.value("name", ""), "postgres");
  const int pid = postgres.value("pid", 0);
  ASSERT_GT(pid, 0);

  // As the README shows it: curl -X POST without a body.
  const auto [code, body] =
      curl({"-X", "POST", "-H", bearer(), base() + "/api/v1/processes/postgres/restart"});
  ASSERT_EQ(code, 202) << body;
  const Json answer = Json::parse(body, nullptr, false);
  std::set<std::string> seen = {answer["process"].value("state", "")};
  int new_pid = 0;
  ASSERT_TRUE(eventually(
      [&] {
        const Json p = sup().get("/api/v1/processes").json()["processes"][0];
        seen.insert(p.value("state", ""));
        new_pid = p.value("pid", 0);
        return p.value("state", "") == "RUNNING" && new_pid != pid && new_pid > 0;
      },
      60s, 20ms));
  EXPECT_TRUE(seen.contains("STOPPING")) << Json(seen).dump();
  EXPECT_NE(new_pid, pid);
  auto pg = sup().connect();
  EXPECT_TRUE(pg->ok()) << pg->error();

  EXPECT_EQ(sup().post("/api/v1/processes/nginx/restart", Json::object()).status, 404);
  EXPECT_EQ(sup().post("/api/v1/processes/postgres/start", Json::object()).status, 409);
}

TEST_F(Api, LogsTailFollowAndClear) {
  const Json list = sup().get("/api/v1/logs").json();
  std::set<std::string> names;
  for (const Json& log : list["logs"]) {
    names.insert(log.value("name", ""));
    EXPECT_TRUE(log.contains("path"));
    EXPECT_TRUE(log.contains("last_seq"));
  }
  EXPECT_EQ(names, (std::set<std::string>{"postgres", "supervisor"}));

  const uint64_t before = sup().get("/api/v1/logs/postgres?tail=1").json().value("last_seq", 0u);
  const std::string marker = "pgbr-it-marker-" + std::to_string(::getpid());
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->exec("do $$ begin raise log '" + marker + "'; end $$"));
  }
  auto tail_has_marker = [&] {
    const Json tail = sup().get("/api/v1/logs/postgres?tail=50").json();
    EXPECT_LE(tail["lines"].size(), 50u);
    for (const Json& line : tail["lines"]) {
      if (line.value("text", "").find(marker) != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually(tail_has_marker, 10s));

  // A follow from before the marker delivers it; the stream never ends by itself, so the
  // client leaves once it has what it came for.
  httplib::Client client("127.0.0.1", sup().apiPort());
  client.set_read_timeout(30);
  std::string stream;
  client.Get("/api/v1/logs/postgres?follow=1&after=" + std::to_string(before),
             {{"Authorization", "Bearer " + sup().token()}}, [&](const char* data, size_t length) {
               stream.append(data, length);
               return stream.find(marker) == std::string::npos;
             });
  EXPECT_NE(stream.find(marker), std::string::npos) << stream;
  const std::vector<SseEvent> events = parseEvents(stream);
  ASSERT_FALSE(events.empty());
  EXPECT_GT(std::stoull(events.front().id), before);

  // supervisord's "clear log", as the README shows it: curl -X DELETE.
  const auto [code, body] =
      curl({"-X", "DELETE", "-H", bearer(), base() + "/api/v1/logs/postgres"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_EQ(Json::parse(body, nullptr, false).value("cleared", false), true) << body;
  EXPECT_FALSE(tail_has_marker());
  EXPECT_EQ(sup().get("/api/v1/logs/nginx?tail=5").status, 404);
}

TEST_F(Api, ScheduleConfigAndEveryAnswerKeepSecretsOut) {
  const Json schedule = sup().get("/api/v1/schedule").json();
  ASSERT_TRUE(schedule["schedule"].is_array());
  std::set<std::string> types;
  for (const Json& entry : schedule["schedule"]) {
    types.insert(entry.value("type", ""));
    EXPECT_EQ(entry.value("enabled", true), false) << entry.dump();
    for (const char* key : {"expression", "next_run", "last_run", "last_result", "last_success",
                            "last_job_id", "overdue"}) {
      EXPECT_TRUE(entry.contains(key)) << key;
    }
  }
  EXPECT_EQ(types, (std::set<std::string>{"full", "diff", "incr"}));

  const HttpAnswer config = sup().get("/api/v1/config");
  ASSERT_EQ(config.status, 200);
  const Json settings = config.json()["settings"];
  EXPECT_EQ(settings["POSTGRES_PASSWORD"].value("value", ""), "(redacted)") << config.body;
  EXPECT_EQ(settings["PGBR_API_TOKEN"].value("value", ""), "(redacted)") << config.body;
  EXPECT_EQ(settings["PGBR_INFO_REFRESH_S"].value("value", ""), "3600");

  for (const char* path :
       {"/api/v1/config", "/api/v1/status", "/api/v1/backups", "/api/v1/jobs?limit=100",
        "/api/v1/processes", "/api/v1/logs", "/api/v1/logs/postgres?tail=10000",
        "/api/v1/logs/supervisor?tail=10000", "/api/v1/schedule", "/api/v1/openapi.json",
        "/metrics", "/pgBackRest/info", "/pgBackRest/db_status"}) {
    const HttpAnswer answer = sup().get(path);
    EXPECT_EQ(answer.status, 200) << path;
    expectNoSecret(path, answer.body);
  }
  const Json jobs = sup().get("/api/v1/jobs?limit=100").json();
  for (const Json& job : jobs["jobs"]) {
    const std::string id = job.value("id", "");
    expectNoSecret("job " + id, sup().get("/api/v1/jobs/" + id + "/log?tail=100000").body);
  }
  expectNoSecret("the supervisor's output", sup().output());
}

// The seed image's routes, called with the real curl as its users do, plus the token.
TEST_F(Api, TheSeedCurlCommandsKeepWorking) {
  std::set<std::string> labels_before;
  const Json before = sup().get("/api/v1/backups").json();
  for (const Json& b : before["backups"]) {
    labels_before.insert(b.value("label", ""));
  }

  auto [code, body] = curl({"-H", bearer(), base() + "/pgBackRest/info"});
  EXPECT_EQ(code, 200) << body;
  const Json info = Json::parse(body, nullptr, false);
  EXPECT_EQ(info.value("stanza", ""), "main") << body;
  EXPECT_EQ(info["backups"].size(), labels_before.size());
  std::tie(code, body) =
      curl({"-H", bearer(), "-H", "Accept: text/html", base() + "/pgBackRest/info"});
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("<h1> Success </h1>"), std::string::npos) << body;
  EXPECT_NE(body.find("full backup: "), std::string::npos) << body;

  std::tie(code, body) =
      curl({"-H", bearer(), "-H", "Accept: text/html", base() + "/pgBackRest/backup/full"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_NE(body.find("Success"), std::string::npos) << body;
  EXPECT_TRUE(body.starts_with("<html>")) << body.substr(0, 100);

  // The README's curl: the outcome and the last lines of the log, a few KB ending with a newline
  // (the whole log of a backup has a line per copied file).
  std::tie(code, body) = curl({"-H", bearer(), base() + "/pgBackRest/backup/diff"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_TRUE(body.ends_with("}\n")) << body;
  EXPECT_LT(body.size(), 8192u) << body;
  const Json diff = Json::parse(body, nullptr, false);
  EXPECT_EQ(diff["job"].value("state", ""), "succeeded") << body;
  EXPECT_EQ(diff["job"]["params"].value("type", ""), "diff") << body;
  EXPECT_FALSE(diff["job"].value("backup_label", "").empty()) << body;
  EXPECT_TRUE(diff["job"]["duration_s"].is_number()) << body;
  ASSERT_TRUE(diff["log"].is_array() && !diff["log"].empty()) << body;
  EXPECT_LE(diff["log"].size(), 15u) << body;
  // The end of the backup is among them (pgBackRest's expire may follow it).
  bool end_shown = false;
  for (const Json& line : diff["log"]) {
    end_shown |= line.get<std::string>().find("backup command end") != std::string::npos;
  }
  EXPECT_TRUE(end_shown) << body;
  // The whole log is where the answer says.
  const Json whole = sup().get(diff.value("log_url", "")).json();
  ASSERT_TRUE(whole["lines"].is_array()) << whole.dump();
  EXPECT_EQ(whole["lines"].size(), diff.value("log_omitted", 0u) + diff["log"].size());
  EXPECT_GT(whole["lines"].size(), diff["log"].size());

  std::tie(code, body) =
      curl({"-H", bearer(), "-H", "Accept: text/html", base() + "/pgBackRest/backup/incr"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_NE(body.find("Success"), std::string::npos) << body;

  // The three new backups are the newest (retention may have expired the oldest full).
  const Json backups = sup().get("/api/v1/backups").json()["backups"];
  ASSERT_GE(backups.size(), 3u);
  const char* const types[] = {"full", "diff", "incr"};
  for (size_t i = 0; i < 3; ++i) {
    const Json& b = backups[backups.size() - 3 + i];
    EXPECT_EQ(b.value("type", ""), types[i]) << b.dump();
    EXPECT_FALSE(labels_before.contains(b.value("label", ""))) << b.dump();
  }

  // ?output=full: every line of the log in the answer.
  std::tie(code, body) = curl({"-H", bearer(), base() + "/pgBackRest/create?output=full"});
  EXPECT_EQ(code, 200) << body;
  const Json create = Json::parse(body, nullptr, false);
  EXPECT_EQ(create["job"].value("kind", ""), "stanza-create") << body;
  EXPECT_EQ(create.value("log_omitted", 1u), 0u) << body;
  const Json create_log =
      sup().get("/api/v1/jobs/" + create["job"].value("id", "") + "/log?tail=100000").json();
  EXPECT_EQ(create["log"].size(), create_log["lines"].size()) << body;

  std::tie(code, body) = curl({"-H", bearer(), base() + "/pgBackRest/db_status"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_EQ(Json::parse(body, nullptr, false).value("state", ""), "RUNNING") << body;

  // The delta restore replaces the data directory with the latest backup plus the archive.
  {
    auto pg = sup().connect();
    ASSERT_TRUE(pg->exec("create table seed_delta(id int primary key)"));
    ASSERT_TRUE(pg->exec("insert into seed_delta select generate_series(1, 42)"));
    const std::string wal = pg->value("select pg_walfile_name(pg_switch_wal())");
    ASSERT_TRUE(eventually(
        [&] {
          const Json last = sup().get("/api/v1/status").json()["archive"]["last_archived_wal"];
          return last.is_string() && last.get<std::string>().size() == 24 &&
                 last.get<std::string>() >= wal;
        },
        60s, 200ms));
  }
  const int pid = postgresPid();
  std::string newest_job;
  const Json jobs = sup().get("/api/v1/jobs?limit=10").json();  // kept: the loop reads into it
  for (const Json& job : jobs["jobs"]) newest_job = std::max(newest_job, job.value("id", ""));
  std::tie(code, body) =
      curl({"-H", bearer(), "-H", "Accept: text/html", base() + "/pgBackRest/restore/delta"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_NE(body.find("<h1> Success </h1>"), std::string::npos) << body;
  // The restore promoted a new timeline; the backup the supervisor takes on it must not meet
  // the next test's requests.
  EXPECT_EQ(sup().backupAfterRestore(newest_job).value("state", ""), "succeeded");
  EXPECT_NE(postgresPid(), pid);
  auto pg = sup().connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  EXPECT_EQ(pg->value("select count(*) from seed_delta"), "42");
  std::tie(code, body) =
      curl({"-H", bearer(), "-H", "Accept: text/html", base() + "/pgBackRest/db_status"});
  EXPECT_EQ(code, 200) << body;
  EXPECT_NE(body.find("Success"), std::string::npos) << body;

  // Without the token the seed routes are refused like the rest of the API.
  std::tie(code, body) = curl({base() + "/pgBackRest/backup/full"});
  EXPECT_EQ(code, 401) << body;
}

// Hostile text reaches pgBackRest as one argv element and comes back verbatim; a restore point
// name that pgBackRest would write unescaped into postgresql.auto.conf is refused up front.
TEST_F(Api, HostileInputStaysData) {
  const std::string marker = "/tmp/pgbr-it-pwned-api-" + std::to_string(::getpid());
  const std::map<std::string, std::string> annotation = {
      {"note", "$(touch " + marker + "); rm -rf /"},
      {"quote", "'; DROP TABLE x; --"},
      {"back`tick`", "`touch " + marker + "` && echo \"$HOME\" \\ ; | > <"}};
  const Json body = {{"type", "incr"}, {"annotation", annotation}};
  const HttpAnswer started = sup().post("/api/v1/backups", body);
  ASSERT_EQ(started.status, 202) << started.body;
  const Json job = sup().waitJob(started.json()["job"].value("id", ""));
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  const std::string label = job.value("backup_label", "");
  const Json backup = sup().get("/api/v1/backups/" + label).json();
  EXPECT_EQ(backup["annotation"], Json(annotation)) << backup.dump();
  EXPECT_FALSE(fs::exists(marker));

  auto pg = sup().connect();
  ASSERT_TRUE(pg->exec("create table x(id int)"));
  const int pid = postgresPid();
  const HttpAnswer refused =
      sup().post("/api/v1/restore",
                 {{"type", "name"}, {"target", "'; DROP TABLE x; --"}, {"confirm", "main"}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json()["error"].value("code", ""), "bad_request") << refused.body;
  EXPECT_EQ(postgresPid(), pid);
  EXPECT_EQ(pg->value("select count(*) from x"), "0");
  EXPECT_FALSE(fs::exists(marker));
  fs::remove(marker);
}

}  // namespace
}  // namespace pgbr::it
