// Integration-test harness: runs the real pgbr-supervisor binary (built by this tree) against real
// PostgreSQL and pgBackRest, the way a user runs it. Tests run as root, like a container's PID 1:
// the supervisor fixes ownership and drops to the postgres user by itself.
//
// Each SupervisorUnderTest lives in its own temporary folder (data directory, state folder,
// socket directory, logs) with free ports, so tests never collide and leave nothing behind.
// Waiting is always polling a condition with a deadline, never a bare sleep.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

namespace pgbr::it {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace std::chrono_literals;

inline const char* binary() {
  return PGBR_BINARY;
}
inline fs::path sourceDir() {
  return PGBR_SOURCE_DIR;
}

// Polls `cond` every `step` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds step = 100ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// A loopback port nobody listens on now, and never one this process handed out before: two
// asks in a row can otherwise get the same port back once the first probe socket is closed (seen:
// the API and PostgreSQL of one supervisor given the same port).
inline int freePort() {
  static std::mutex mutex;
  static std::set<int> given;
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    if (given.insert(port).second) return port;
  }
  return 0;
}

// PostgreSQL 15's programs, as Debian installs them.
inline const std::string kPgBin = "/usr/lib/postgresql/15/bin";

// A string member, or "" when it is missing or not a string.
inline std::string field(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string();
}

inline std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void writeFile(const fs::path& p, const std::string& content,
                      fs::perms perms = fs::perms(0644)) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
  fs::permissions(p, perms);
}

inline void chownToPostgres(const fs::path& p) {
  passwd* pw = ::getpwnam("postgres");
  if (!pw) return;
  ::chown(p.c_str(), pw->pw_uid, pw->pw_gid);
  if (fs::is_directory(p))
    for (auto& e : fs::recursive_directory_iterator(p))
      ::lchown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
}

// Runs a command to completion (argv, no shell), optionally as another user via runuser and with
// `input` as its standard input; returns exit code and combined output.
struct CommandOutput {
  int code = -1;
  std::string output;
};
inline CommandOutput run(std::vector<std::string> argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& as_user = "",
                         const std::optional<std::string>& input = std::nullopt) {
  if (!as_user.empty()) argv.insert(argv.begin(), {"runuser", "-u", as_user, "--"});
  char in_tmpl[] = "/tmp/pgbr-it-in-XXXXXX";
  int in = -1;
  if (input) {
    in = ::mkstemp(in_tmpl);
    ::unlink(in_tmpl);  // the descriptor keeps it readable
    if (in < 0 || ::write(in, input->data(), input->size()) != ssize_t(input->size()) ||
        ::lseek(in, 0, SEEK_SET) != 0) {
      if (in >= 0) ::close(in);
      return {-1, "could not prepare the standard input"};
    }
  }
  char tmpl[] = "/tmp/pgbr-it-out-XXXXXX";
  int out = ::mkstemp(tmpl);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (in >= 0) ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (in >= 0) ::close(in);
  ::close(out);
  CommandOutput r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = readFile(tmpl);
  ::unlink(tmpl);
  return r;
}

// A temporary folder, world-traversable so the postgres user can reach what is inside.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pgbr-it-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::permissions(path_, fs::perms(0755));
  }
  ~TempDir() {
    std::error_code ec;
    if (!std::getenv("KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// libpq with RAII, enough for assertions.
class Pg {
 public:
  Pg(const std::string& socket_dir, int port, const std::string& db = "postgres",
     const std::string& user = "postgres", const std::string& password = "") {
    std::string conninfo = "host=" + socket_dir + " port=" + std::to_string(port) +
                           " dbname=" + db + " user=" + user + " connect_timeout=5";
    if (!password.empty()) conninfo += " password=" + password;
    conn_ = PQconnectdb(conninfo.c_str());
  }
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }
  // First column of the first row, or "" / the error text prefixed with "ERROR: ".
  std::string value(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string out;
    auto st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0)
      out = PQgetvalue(r, 0, 0);
    else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
      out = std::string("ERROR: ") + PQresultErrorMessage(r);
    PQclear(r);
    return out;
  }
  bool exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    auto st = PQresultStatus(r);
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  }

 private:
  PGconn* conn_ = nullptr;
};

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
  httplib::Headers headers;
  Json json() const { return Json::parse(body, nullptr, false); }
};

// One pgbr-supervisor under test. Defaults: a fresh data directory with POSTGRES_PASSWORD set,
// schedules disabled (tests ask for backups themselves), the API on a free loopback port with a
// known token, Postgres on a free port with its socket in the test folder.
class SupervisorUnderTest {
 public:
  explicit SupervisorUnderTest(const fs::path& root, std::map<std::string, std::string> env = {},
                               std::vector<std::string> pg_args = {})
      : root_(root), pg_port_(freePort()), api_port_(freePort()) {
    fs::create_directories(socketDir());
    env_ = {{"POSTGRES_PASSWORD", "it-secret-pw"},
            {"PGDATA", pgdata().string()},
            {"PGBR_STATE_DIR", stateDir().string()},
            {"PGBR_API_LISTEN", "127.0.0.1:" + std::to_string(api_port_)},
            {"PGBR_API_TOKEN", token()},
            {"PGBR_INITDB_DIR", (root_ / "initdb.d").string()},
            {"PGBR_SCHEDULE_FULL", ""},
            {"PGBR_SCHEDULE_DIFF", ""},
            {"PGBR_SCHEDULE_INCR", ""},
            {"PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"},
            {"LANG", "C.UTF-8"}};
    for (auto& [k, v] : env) env_[k] = v;
    args_ = {"postgres", "-c", "port=" + std::to_string(pg_port_), "-c",
             "unix_socket_directories=" + socketDir().string()};
    args_.insert(args_.end(), pg_args.begin(), pg_args.end());
  }
  ~SupervisorUnderTest() {
    if (running()) {
      stop(SIGTERM, 30s);
      if (running()) kill(SIGKILL);
    }
  }
  SupervisorUnderTest(const SupervisorUnderTest&) = delete;
  SupervisorUnderTest& operator=(const SupervisorUnderTest&) = delete;

  fs::path pgdata() const { return root_ / "pgdata"; }
  fs::path stateDir() const { return root_ / "state"; }
  fs::path socketDir() const { return root_ / "run"; }
  fs::path outputPath() const { return root_ / ("supervisor-" + std::to_string(starts_) + ".out"); }
  int pgPort() const { return pg_port_; }
  int apiPort() const { return api_port_; }
  std::string token() const { return "it-token-0123456789abcdef"; }
  std::map<std::string, std::string>& env() { return env_; }
  std::vector<std::string>& args() { return args_; }
  pid_t pid() const { return pid_; }

  void start() {
    ++starts_;
    std::string out = outputPath().string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setpgid(0, 0);
      ::clearenv();
      for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> argv{binary()};
      argv.insert(argv.end(), args_.begin(), args_.end());
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    exit_code_.reset();
  }

  bool running() {
    if (pid_ <= 0 || exit_code_) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return true;
  }
  std::optional<int> exitCode() {
    running();
    return exit_code_;
  }
  // Waits for exit; returns the exit code or nullopt on timeout.
  std::optional<int> waitExit(std::chrono::milliseconds timeout) {
    eventually([&] { return !running(); }, timeout, 50ms);
    return exit_code_;
  }
  std::optional<int> stop(int sig = SIGTERM, std::chrono::milliseconds timeout = 30s) {
    if (!running()) return exit_code_;
    ::kill(pid_, sig);
    return waitExit(timeout);
  }
  void kill(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
    waitExit(10s);
  }

  std::string output() const { return readFile(outputPath()); }
  std::string postgresLog() const { return readFile(stateDir() / "logs" / "postgres.log"); }

  HttpAnswer request(const std::string& method, const std::string& path, const Json* body = nullptr,
                     bool with_token = true, httplib::Headers extra = {}) const {
    httplib::Client c("127.0.0.1", api_port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(600);
    if (with_token) extra.emplace("Authorization", "Bearer " + token());
    std::string payload = body ? body->dump() : "";
    httplib::Result r = method == "POST"     ? c.Post(path, extra, payload, "application/json")
                        : method == "DELETE" ? c.Delete(path, extra)
                                             : c.Get(path, extra);
    HttpAnswer a;
    if (r) {
      a.status = r->status;
      a.body = r->body;
      a.headers = r->headers;
    }
    return a;
  }
  HttpAnswer get(const std::string& path) const { return request("GET", path); }
  HttpAnswer post(const std::string& path, const Json& body) const {
    return request("POST", path, &body);
  }

  // start(), then waitReady() and waitStartupDone(); a failure carries the supervisor's output.
  ::testing::AssertionResult startAndSettle() {
    start();
    if (!waitReady()) return ::testing::AssertionFailure() << "not ready\n" << output();
    if (!waitStartupDone()) {
      return ::testing::AssertionFailure() << "start-up jobs not done\n" << output();
    }
    return ::testing::AssertionSuccess();
  }
  // Ready: /readyz says so (Postgres accepts connections).
  bool waitReady(std::chrono::milliseconds timeout = 120s) {
    return eventually([&] { return running() && get("/readyz").status == 200; }, timeout, 100ms);
  }
  // Start-up work done: the startup jobs (stanza-create, check, first full backup) finished.
  bool waitStartupDone(std::chrono::milliseconds timeout = 300s) {
    return eventually(
        [&] {
          auto s = get("/api/v1/status").json();
          return s.is_object() && s["supervisor"].value("startup_done", false) &&
                 s["running_job"].is_null();
        },
        timeout, 200ms);
  }
  // Waits until the job reached a final state; returns the job document.
  Json waitJob(const std::string& id, std::chrono::milliseconds timeout = 600s) {
    Json job;
    eventually(
        [&] {
          job = get("/api/v1/jobs/" + id).json();
          std::string st = job.is_object() ? job.value("state", "") : "";
          return st == "succeeded" || st == "failed" || st == "cancelled";
        },
        timeout, 200ms);
    return job;
  }
  // Starts a backup through the API and waits for it; returns the final job.
  Json backup(const std::string& type, std::chrono::milliseconds timeout = 600s) {
    auto a = post("/api/v1/backups", Json{{"type", type}});
    if (a.status != 202)
      return Json{{"state", "not-started"}, {"status", a.status}, {"body", a.body}};
    return waitJob(a.json()["job"]["id"].get<std::string>(), timeout);
  }

  // A restore that ends in promotion makes the supervisor take one backup on the new timeline
  // (trigger "restore"); waits for the one created after job `after_id` (ids sort by creation)
  // and returns its final state.
  Json backupAfterRestore(const std::string& after_id, std::chrono::milliseconds timeout = 180s) {
    std::string id;
    eventually(
        [&] {
          const Json jobs = get("/api/v1/jobs?limit=10").json();
          if (!jobs.is_object() || !jobs["jobs"].is_array()) return false;
          for (const Json& job : jobs["jobs"]) {
            if (job.value("kind", "") == "backup" && job.value("trigger", "") == "restore" &&
                job.value("id", "") > after_id) {
              id = job.value("id", "");
              return true;
            }
          }
          return false;
        },
        30s, 200ms);
    if (id.empty()) return Json{{"state", "not-started"}};
    return waitJob(id, timeout);
  }

  std::unique_ptr<Pg> connect(const std::string& db = "postgres") const {
    return std::make_unique<Pg>(socketDir().string(), pg_port_, db, "postgres", "it-secret-pw");
  }

 private:
  fs::path root_;
  int pg_port_;
  int api_port_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int starts_ = 0;
  std::optional<int> exit_code_;
};

// Skips the calling test with one line unless running as root (the supervisor must start as root
// to drop to postgres, as PID 1 of a container does).
#define PGBR_REQUIRE_ROOT()                                                     \
  do {                                                                          \
    if (::geteuid() != 0) GTEST_SKIP() << "integration tests must run as root"; \
  } while (0)

// The password every SupervisorUnderTest's postgres user has, for client programs.
inline std::map<std::string, std::string> withPassword() {
  return {{"PGPASSWORD", "it-secret-pw"}};
}

// pgbench against the supervisor's Postgres (database postgres), with `args` before the name.
inline std::vector<std::string> pgbench(const SupervisorUnderTest& sup,
                                        std::vector<std::string> args) {
  std::vector<std::string> argv{
      kPgBin + "/pgbench", "-h", sup.socketDir().string(), "-p", std::to_string(sup.pgPort()), "-U",
      "postgres"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("postgres");
  return argv;
}

// The newest WAL segment the status reports archived; "" when none.
inline std::string lastArchivedWal(const SupervisorUnderTest& sup) {
  auto s = sup.get("/api/v1/status").json();
  if (!s.is_object() || !s["archive"]["last_archived_wal"].is_string()) return "";
  return s["archive"]["last_archived_wal"].get<std::string>();
}

// True once the status reports `segment` (or a later one) archived. WAL names of one timeline
// sort in order as strings.
inline bool waitArchived(const SupervisorUnderTest& sup, const std::string& segment,
                         std::chrono::milliseconds timeout = 60s) {
  return eventually([&] { return lastArchivedWal(sup) >= segment; }, timeout, 250ms);
}

// Writes a little, switches to a new WAL segment and returns the name of the one just completed
// (pg_walfile_name of the switch point names the segment that ends there).
inline std::string writeAndSwitchWal(const SupervisorUnderTest& sup) {
  auto pg = sup.connect();
  if (!pg->ok()) return "";
  pg->exec("set client_min_messages = warning");  // no notice that the table exists
  pg->exec("create table if not exists it_wal(x int)");
  pg->exec("insert into it_wal select generate_series(1, 1000)");
  return pg->value("select pg_walfile_name(pg_switch_wal())");
}

}  // namespace pgbr::it
