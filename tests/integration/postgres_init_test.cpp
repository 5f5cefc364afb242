// ===== postgres_init: the Initializer against the real initdb, postgres and psql ===============
//
// Postgres refuses to run as root and these tests run as root, so each scenario forks a child
// that drops to the postgres user (with the supervisor's own dropPrivileges), runs with its own
// PosixProcessOps, Children and a reaper thread woken by SIGCHLD, and writes what it saw to a
// file the parent then checks. The child reports "key=value" lines; an exit code other than 0
// means it could not even get that far.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"
#include "supervisor/os/identity.h"
#include "supervisor/os/output_pump.h"
#include "supervisor/os/process_ops.h"
#include "supervisor/os/signals.h"
#include "supervisor/postgres/initdb.h"
#include "supervisor/postgres/pg_connection.h"
#include "supervisor/postgres/server.h"
#include "supervisor/postgres/settings_file.h"
#include "supervisor/postgres/status.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Report = std::map<std::string, std::string>;

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

// The parts of the supervisor a child needs to run commands: a process table and a thread that
// reaps on SIGCHLD, as the signal loop does.
class ChildRuntime {
 public:
  ChildRuntime() : children_(ops_) {
    reaper_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        signals_.wait(Millis(200));
        children_.reapAndDispatch();
      }
    });
  }
  Children& children() { return children_; }

 private:
  PosixProcessOps ops_;
  Children children_;
  SignalSource signals_;
  std::jthread reaper_;
};

// Runs `body` as the postgres user in a forked child; returns the child's exit code.
int runAsPostgres(const std::function<int(ChildRuntime&)>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto user = lookupUser("postgres");
    if (!user || !dropPrivileges(*user).empty()) std::_Exit(90);
    blockSignals();  // before any thread exists, as main() does
    int code = 91;
    {
      ChildRuntime runtime;
      code = body(runtime);
    }
    std::_Exit(code);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Report parseReport(const fs::path& file) {
  Report report;
  std::istringstream in(readText(file));
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) report[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return report;
}

std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

const char* outcomeName(InitOutcome outcome) {
  switch (outcome) {
    case InitOutcome::kInitialized:
      return "initialized";
    case InitOutcome::kSkipped:
      return "skipped";
    case InitOutcome::kFailed:
      return "failed";
  }
  return "?";
}

class PostgresInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!runningAsRoot()) GTEST_SKIP() << "needs root, to drop to the postgres user";
    user_ = lookupUser("postgres");
    if (!user_) GTEST_SKIP() << "no postgres user";
    if (!fs::exists(Settings{}.pg_bindir + "/initdb")) GTEST_SKIP() << "no PostgreSQL 15";
    std::random_device random;
    root_ = fs::temp_directory_path() /
            ("pgbr-it-init-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(root_ / "initdb.d");
    fs::create_directories(root_ / "sock");

    settings_.pgdata = (root_ / "data").string();
    settings_.pg_port = 54329;  // only a socket name here: nothing listens on TCP
    settings_.pg_listen = "*";  // as the image sets it: pg_hba.conf gets the stock image's rule
    settings_.pg_socket_dir = (root_ / "sock").string();
    settings_.init.user = "appuser";
    settings_.init.password = "pa55 'w\"ord";
    settings_.init.db = "appdb";
    settings_.init.initdb_args = "--data-checksums --locale='C.UTF-8'";
    settings_.init.initdb_waldir = (root_ / "wal").string();
    settings_.init.initdb_dir = (root_ / "initdb.d").string();
    settings_.start_timeout = std::chrono::seconds(60);
    settings_.stop_timeout = std::chrono::seconds(30);
  }

  void TearDown() override {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }

  void writeInitFiles() {
    const fs::path dir = root_ / "initdb.d";
    writeText(dir / "10-exec.sh",
              "#!/bin/bash\n"
              "set -euo pipefail\n"
              "# The stock image's environment, and a plain psql reaching the temporary server.\n"
              "[ \"$POSTGRES_USER\" = appuser ] && [ \"$POSTGRES_DB\" = appdb ]\n"
              "[ \"$PGPASSWORD\" = \"$POSTGRES_PASSWORD\" ] && [ -n \"$PGDATA\" ]\n"
              "psql -v ON_ERROR_STOP=1 --no-psqlrc --username \"$POSTGRES_USER\" "
              "--dbname \"$POSTGRES_DB\" -c 'CREATE TABLE t_exec (id int)'\n");
    fs::permissions(dir / "10-exec.sh", fs::perms::owner_all | fs::perms::group_read |
                                            fs::perms::group_exec | fs::perms::others_read |
                                            fs::perms::others_exec);
    writeText(dir / "20-sourced.sh",
              "docker_process_sql -c 'CREATE TABLE t_sourced (id int)'\n"
              "\"${psql[@]}\" <<'EOSQL'\n"
              "CREATE TABLE t_sourced_array (id int);\n"
              "EOSQL\n");
    writeText(dir / "30-plain.sql", "CREATE TABLE t_sql (id int);\n");
    // Compressed by the child (as postgres, with the real tools) from these.
    writeText(root_ / "gz.sql", "CREATE TABLE t_gz (id int);\n");
    writeText(root_ / "xz.sql", "CREATE TABLE t_xz (id int);\n");
    writeText(root_ / "zst.sql", "CREATE TABLE t_zst (id int);\n");
    writeText(dir / "50-notes.txt", "not run\n");
  }

  // Gives everything to postgres, then runs the scenario as postgres and returns its report.
  Report runScenario(const std::string& name,
                     const std::function<void(ChildRuntime&, Report&)>& body) {
    EXPECT_EQ(ensureOwnedTree(root_.string(), *user_, 0755), "");
    const fs::path report_file = root_ / (name + ".report");
    const int code = runAsPostgres([&](ChildRuntime& runtime) {
      Report report;
      body(runtime, report);
      std::ostringstream out;
      for (const auto& [key, value] : report) out << key << '=' << oneLine(value) << '\n';
      writeText(report_file, out.str());
      return 0;
    });
    EXPECT_EQ(code, 0) << "the child for " << name << " did not finish";
    return parseReport(report_file);
  }

  // Runs the Initializer; its log goes to <name>.log.
  static void initialize(ChildRuntime& runtime, const Settings& settings, const fs::path& log_file,
                         Report& report) {
    LogSink log("init", log_file);
    std::atomic<bool> cancel{false};
    Initializer initializer(settings, runtime.children(), log, currentEnvironment());
    InitResult result = initializer.run(cancel);
    log.flush();
    report["outcome"] = outcomeName(result.outcome);
    report["error"] = result.error;
  }

  fs::path root_;
  std::optional<UserInfo> user_;
  Settings settings_;
};

TEST_F(PostgresInitTest, InitializesLikeTheStockImageThenSkips) {
  writeInitFiles();
  Report first = runScenario("first", [&](ChildRuntime& runtime, Report& report) {
    for (std::string tool : {"gzip", "xz", "zstd"}) {
      const std::string ext = tool == "gzip" ? "gz" : tool == "xz" ? "xz" : "zst";
      SpawnSpec pack;
      pack.argv = {tool, "-c", (root_ / (ext + ".sql")).string()};
      pack.env = currentEnvironment();
      pack.stdout_path = (root_ / "initdb.d" / ("40-" + ext + ".sql." + ext)).string();
      if (!runCommand(runtime.children(), pack, nullptr).success())
        report["pack_" + ext] = "failed";
    }
    initialize(runtime, settings_, root_ / "first.log", report);
    if (report["outcome"] != "initialized") return;

    // The archiving defaults, with an archive command that succeeds without a repository.
    Settings running = settings_;
    running.pgbackrest_bin = "/bin/true";
    running.pgbackrest_config = "/nonexistent/pgbackrest.conf";
    // The user's arguments win over the defaults: no TCP listener during the test.
    running.postgres_args = {"-c", "listen_addresses="};
    ApplyConfResult conf =
        applySupervisorConf(running.pgdata, renderSupervisorConf(running), running.postgres_args);
    report["conf_error"] = conf.error;
    report["conf_include_added"] = conf.include_added ? "yes" : "no";

    // Start Postgres as the supervisor would, and look inside.
    LogSink pglog("postgres", root_ / "postgres.log");
    SpawnResult server = runtime.children().spawn(postmasterSpec(running, currentEnvironment()));
    if (!server.ok()) {
      report["server_error"] = server.error;
      return;
    }
    OutputPump pump(std::move(server.output), pglog);
    ConnParams params;
    params.socket_dir = running.pg_socket_dir;
    params.port = running.pg_port;
    params.user = running.init.user;
    params.dbname = running.init.db;
    params.password = running.init.password;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!pingReady(params) && std::chrono::steady_clock::now() < deadline) {
      if (runtime.children().waitExit(server.pid, Millis(100))) break;
    }
    ConnectResult db = connectPg(params);
    report["connect_error"] = db.error;
    if (db.ok()) {
      auto value = [&](const char* sql) {
        QueryValue v = queryValue(db.conn.get(), sql);
        return v.ok() ? v.value.value_or("NULL") : "error: " + v.error;
      };
      report["tables"] = value(
          "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
          "WHERE schemaname = 'public'");
      report["data_checksums"] = value("SHOW data_checksums");
      report["archive_mode"] = value("SHOW archive_mode");
      report["wal_level"] = value("SHOW wal_level");
      report["archive_command"] = value("SHOW archive_command");
      report["listen_addresses"] = value("SHOW listen_addresses");
      db.conn.reset();
    }
    PostgresStatusReader reader(params);
    PostgresStatus status = reader.read();
    report["status_ok"] = status.ok ? "yes" : status.error;
    report["status_version_num"] = std::to_string(status.server_version_num);
    report["status_system_identifier"] = status.system_identifier;
    report["status_in_recovery"] = status.in_recovery ? "yes" : "no";
    reader.disconnect();
    report["pid_state"] = readPostmasterPidState(running.pgdata).value_or("none");
    ArchiveQueue queue = scanArchiveStatus(running.pgdata, std::chrono::system_clock::now());
    report["archive_queue_ok"] = queue.ok ? "yes" : queue.error;

    runtime.children().signalProcess(server.pid, sig::kInt);
    auto exit = runtime.children().waitExit(server.pid, Millis(30000));
    report["server_exit"] = exit ? exit->describe() : "did not stop";
    ClusterState state = readClusterState(runtime.children(), running, currentEnvironment());
    report["cluster_state"] = state.ok() ? state.state : state.error;
    report["clean_shutdown"] = state.cleanShutdown() ? "yes" : "no";
  });

  ASSERT_EQ(first["outcome"], "initialized") << first["error"] << "\n"
                                             << readText(root_ / "first.log");
  EXPECT_EQ(first["pack_gz"] + first["pack_xz"] + first["pack_zst"], "");
  const std::string log = readText(root_ / "first.log");
  EXPECT_THAT(log, HasSubstr("running " + (root_ / "initdb.d/10-exec.sh").string()));
  EXPECT_THAT(log, HasSubstr("sourcing " + (root_ / "initdb.d/20-sourced.sh").string()));
  EXPECT_THAT(log, HasSubstr("ignoring " + (root_ / "initdb.d/50-notes.txt").string()));
  EXPECT_THAT(log, HasSubstr("init process complete; ready for start up"));
  EXPECT_TRUE(fs::is_symlink(root_ / "data/pg_wal")) << "POSTGRES_INITDB_WALDIR not applied";
  EXPECT_THAT(readText(root_ / "data/pg_hba.conf"),
              HasSubstr("\nhost all all all scram-sha-256\n"));
  // No password file or decompressed SQL left behind anywhere in the data directory.
  for (const auto& entry : fs::recursive_directory_iterator(root_ / "data")) {
    EXPECT_EQ(entry.path().filename().string().find("pwfile"), std::string::npos);
  }

  EXPECT_EQ(first["conf_error"], "");
  EXPECT_EQ(first["conf_include_added"], "yes");
  EXPECT_EQ(first["server_error"], "");
  EXPECT_EQ(first["connect_error"], "") << readText(root_ / "postgres.log");
  EXPECT_THAT(readText(root_ / "postgres.log"), HasSubstr("database system is ready"));
  EXPECT_EQ(first["tables"], "t_exec,t_gz,t_sourced,t_sourced_array,t_sql,t_xz,t_zst");
  EXPECT_EQ(first["data_checksums"], "on");
  EXPECT_EQ(first["archive_mode"], "on");
  EXPECT_EQ(first["wal_level"], "replica");
  EXPECT_EQ(first["archive_command"],
            "/bin/true --config=/nonexistent/pgbackrest.conf --stanza=main archive-push %p");
  EXPECT_EQ(first["listen_addresses"], "");
  EXPECT_EQ(first["status_ok"], "yes");
  EXPECT_GE(std::stoi(first["status_version_num"]), 150000);
  EXPECT_FALSE(first["status_system_identifier"].empty());
  EXPECT_EQ(first["status_in_recovery"], "no");
  EXPECT_EQ(first["pid_state"], "ready");
  EXPECT_EQ(first["archive_queue_ok"], "yes");
  EXPECT_EQ(first["server_exit"], "exited with code 0");
  EXPECT_EQ(first["cluster_state"], "shut down");
  EXPECT_EQ(first["clean_shutdown"], "yes");

  // A second start finds the database and leaves it alone.
  writeText(root_ / "initdb.d/60-again.sql", "CREATE TABLE t_again (id int);\n");
  Report second = runScenario("second", [&](ChildRuntime& runtime, Report& report) {
    initialize(runtime, settings_, root_ / "second.log", report);
  });
  EXPECT_EQ(second["outcome"], "skipped") << second["error"];
  EXPECT_THAT(
      readText(root_ / "second.log"),
      HasSubstr("database directory appears to contain a database; skipping initialization"));
}

TEST_F(PostgresInitTest, RefusesWithoutAPassword) {
  settings_.init.password = "";
  Report report = runScenario("nopassword", [&](ChildRuntime& runtime, Report& r) {
    initialize(runtime, settings_, root_ / "nopassword.log", r);
  });
  EXPECT_EQ(report["outcome"], "failed");
  EXPECT_THAT(report["error"], HasSubstr("superuser password is not specified"));
  EXPECT_THAT(report["error"], HasSubstr("POSTGRES_HOST_AUTH_METHOD=trust"));
  EXPECT_FALSE(fs::exists(root_ / "data/PG_VERSION"));
}

TEST_F(PostgresInitTest, AFailingScriptStopsInitAndTheServer) {
  writeText(root_ / "initdb.d/10-bad.sql", "CREATE TABLE t_ok (id int);\nSELECT no_such_column;\n");
  writeText(root_ / "initdb.d/20-never.sql", "CREATE TABLE t_never (id int);\n");
  Report report = runScenario("bad", [&](ChildRuntime& runtime, Report& r) {
    initialize(runtime, settings_, root_ / "bad.log", r);
    r["server_left"] = readPostmasterPid(settings_.pgdata) ? "yes" : "no";
  });
  EXPECT_EQ(report["outcome"], "failed");
  EXPECT_THAT(report["error"], HasSubstr("10-bad.sql (psql) exited with code 3"));
  EXPECT_THAT(report["error"], HasSubstr("stays"));
  EXPECT_EQ(report["server_left"], "no");
  // As with the stock image, the partial directory stays and will be skipped next time.
  EXPECT_TRUE(dataDirectoryInitialized(root_ / "data"));
  EXPECT_THAT(readText(root_ / "bad.log"), HasSubstr("no_such_column"));
}

}  // namespace
}  // namespace pgbr
// ===== end postgres_init =======================================================================
