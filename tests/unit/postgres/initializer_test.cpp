// The Initializer's command sequence with scripted children and a fake temporary server: what
// runs, in which order, with which arguments and environment, and how a failure or a cancel
// stops it. The real thing runs in tests/integration/postgres_init_test.cpp.
#include "supervisor/postgres/host_access.h"
#include "supervisor/postgres/init_files.h"
#include "supervisor/postgres/initdb.h"

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Every command ends at once with its scripted exit code, except the server (and commands the
// test marks as hanging), which end only when signalled: SIGINT is a clean stop, anything else
// kills.
class ScriptedOps final : public ProcessOps {
 public:
  struct Sent {
    pid_t pid;
    int sig;
  };

  SpawnResult spawn(const SpawnSpec& spec) override {
    std::lock_guard lock(mutex_);
    if (on_spawn) on_spawn(spec);
    SpawnResult result;
    result.pid = next_pid_++;
    specs_.push_back(spec);
    const std::string name = fs::path(spec.argv.at(0)).filename().string();
    const bool asks_version = spec.argv.size() > 1 && spec.argv[1] == "--version";
    if (asks_version && !version_line.empty()) {
      // What `postgres --version` prints, in the captured output the caller reads.
      int fds[2];
      if (::pipe(fds) == 0) {
        const std::string line = version_line + "\n";
        EXPECT_EQ(::write(fds[1], line.data(), line.size()), static_cast<ssize_t>(line.size()));
        ::close(fds[1]);
        result.output = UniqueFd(fds[0]);
      }
    }
    if ((name == "postgres" && !asks_version) || hang.count(name)) {
      alive_.insert(result.pid);
      if (name == "postgres") server_pid_ = result.pid;
      if (name == "postgres" && server_exit_code) {
        alive_.erase(result.pid);
        finishLocked(result.pid, ExitStatus::exitedWith(*server_exit_code));
      }
    } else {
      finishLocked(result.pid, ExitStatus::exitedWith(exitCodeFor(spec)));
    }
    return result;
  }
  bool signalProcess(pid_t pid, int sig) override { return deliver(pid, sig); }
  bool signalGroup(pid_t pgid, int sig) override { return deliver(pgid, sig); }
  std::vector<ExitEvent> reap() override {
    std::lock_guard lock(mutex_);
    return std::exchange(pending_, {});
  }

  // Blocks until an exit is waiting to be reaped; false once the test ends.
  bool waitPending(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, stop, [&] { return !pending_.empty(); });
    return !stop.stop_requested();
  }

  std::vector<SpawnSpec> specs() const {
    std::lock_guard lock(mutex_);
    return specs_;
  }
  std::vector<Sent> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  pid_t serverPid() const {
    std::lock_guard lock(mutex_);
    return server_pid_;
  }

  // Scripting, set before the run.
  std::map<std::string, int> exit_codes;           // argv element ending with the key -> exit code
  std::set<std::string> hang;                      // argv[0] file names that run until signalled
  std::optional<int> server_exit_code;             // the server ends at once with this code
  std::function<void(const SpawnSpec&)> on_spawn;  // called under the lock at each spawn
  std::string version_line;                        // what `postgres --version` prints

 private:
  int exitCodeFor(const SpawnSpec& spec) const {
    for (const auto& [key, code] : exit_codes) {
      for (const auto& arg : spec.argv) {
        if (arg.ends_with(key)) return code;
      }
    }
    return 0;
  }
  void finishLocked(pid_t pid, ExitStatus status) {
    pending_.push_back(ExitEvent{pid, status});
    changed_.notify_all();
  }
  bool deliver(pid_t pid, int sig) {
    std::lock_guard lock(mutex_);
    sent_.push_back({pid, sig});
    if (!alive_.erase(pid)) return false;
    finishLocked(pid, sig == sig::kInt ? ExitStatus::exitedWith(0) : ExitStatus::killedBy(sig));
    return true;
  }

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  pid_t next_pid_ = 100;
  pid_t server_pid_ = 0;
  std::vector<SpawnSpec> specs_;
  std::set<pid_t> alive_;
  std::vector<ExitEvent> pending_;
  std::vector<Sent> sent_;
};

// The signal loop's part: reap whenever a child has ended.
class Reaper {
 public:
  Reaper(ScriptedOps& ops, Children& children)
      : thread_([&ops, &children](std::stop_token stop) {
          while (ops.waitPending(stop)) children.reapAndDispatch();
        }) {}

 private:
  std::jthread thread_;
};

class FakeServer final : public ServerAccess {
 public:
  bool ready(const ConnParams& params) override {
    std::lock_guard lock(mutex_);
    last_params = params;
    ++ready_calls;
    return is_ready;
  }
  std::string createDatabaseIfMissing(const ConnParams&, const std::string& name) override {
    std::lock_guard lock(mutex_);
    created.push_back(name);
    return create_error;
  }
  std::string createReplicationRole(const ConnParams&, const std::string& name,
                                    const std::string& password) override {
    std::lock_guard lock(mutex_);
    replication_roles.push_back(name + ":" + password);
    return "";
  }
  std::mutex mutex_;
  bool is_ready = true;
  int ready_calls = 0;
  ConnParams last_params;
  std::vector<std::string> created;
  std::vector<std::string> replication_roles;
  std::string create_error;
};

std::string fileName(const std::string& path) {
  return fs::path(path).filename().string();
}

std::optional<std::string> envValue(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env) {
    if (e.starts_with(name + "=")) return e.substr(name.size() + 1);
  }
  return std::nullopt;
}

class InitializerTest : public ::testing::Test {
 protected:
  InitializerTest() {
    fs::create_directories(root_.path() / "data");
    settings_.pgdata = (root_.path() / "data").string();
    settings_.pg_bindir = "/pg/bin";
    settings_.pg_port = 5433;
    settings_.pg_socket_dir = (root_.path() / "sock").string();
    settings_.postgres_args = {"-c", "shared_buffers=64MB"};
    settings_.init.user = "owner";
    settings_.init.password = "s3cret";
    settings_.init.db = "appdb";
    settings_.init.initdb_args = "--data-checksums --locale='C'";
    settings_.init.initdb_waldir = "/wal";
    settings_.init.initdb_dir = (root_.path() / "initdb.d").string();
    settings_.stop_timeout = std::chrono::seconds(5);
    fs::create_directories(settings_.init.initdb_dir);
  }

  fs::path initFile(const std::string& name,
                    fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    const auto path = root_.write("initdb.d/" + name, "-- " + name + "\n");
    fs::permissions(path, perms, fs::perm_options::replace);
    return path;
  }

  InitResult run() {
    Initializer initializer(
        settings_, children_, log_,
        {"PATH=/usr/bin:/bin", "PGHOSTADDR=10.0.0.1", "POSTGRES_PASSWORD_FILE=/run/secret"},
        &server_);
    return initializer.run(cancel_);
  }

  std::vector<std::string> logLines() const {
    std::vector<std::string> lines;
    for (const auto& line : log_.tail(1000)) lines.push_back(line.text);
    return lines;
  }

  std::vector<std::string> commandNames() const {
    std::vector<std::string> names;
    for (const auto& spec : ops_.specs()) names.push_back(fileName(spec.argv[0]));
    return names;
  }

  testing::TempDir root_;
  Settings settings_;
  ScriptedOps ops_;
  Children children_{ops_};
  Reaper reaper_{ops_, children_};
  LogSink log_{"init", ""};
  FakeServer server_;
  std::atomic<bool> cancel_{false};
};

TEST_F(InitializerTest, SkipsADataDirectoryThatHasADatabase) {
  root_.write("data/PG_VERSION", "15\n");
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kSkipped);
  EXPECT_TRUE(result.ok());
  // Only the binaries' version is asked (the fake says none, so the check has nothing to refuse).
  const std::vector<SpawnSpec> specs = ops_.specs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_THAT(specs[0].argv, ElementsAre(settings_.pg_bindir + "/postgres", "--version"));
  EXPECT_THAT(
      logLines(),
      Contains("database directory appears to contain a database; skipping initialization"));
}

// PGBR_PG_LISTEN reaching beyond this machine: pg_hba.conf gets the stock image's rule.
TEST_F(InitializerTest, ListeningBeyondThisMachineAdmitsOtherHostsAtInitdb) {
  settings_.pg_listen = "*";
  root_.write("data/pg_hba.conf", "local all all trust\n");
  ASSERT_EQ(run().outcome, InitOutcome::kInitialized);
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"),
            "local all all trust\n\nhost all all all scram-sha-256\n");
}

// Opened after initdb: the next start adds the rule, once, and leaves an existing data
// directory otherwise alone.
TEST_F(InitializerTest, OpeningTheListenAddressesLaterAdmitsOtherHostsOnce) {
  root_.write("data/PG_VERSION", "15\n");
  const std::string local = "local all all trust\nhost all all 127.0.0.1/32 trust\n";
  root_.write("data/pg_hba.conf", local);
  ASSERT_EQ(run().outcome, InitOutcome::kSkipped);
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"), local);

  settings_.pg_listen = "0.0.0.0";
  ASSERT_EQ(run().outcome, InitOutcome::kSkipped);
  ASSERT_EQ(run().outcome, InitOutcome::kSkipped);
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"),
            local + "\nhost all all all scram-sha-256\n");
  EXPECT_THAT(logLines(), Contains(HasSubstr("added `host all all all scram-sha-256`")));
  for (const SpawnSpec& spec : ops_.specs()) EXPECT_THAT(spec.argv, Contains("--version"));
}

// A data directory of another major: refused before anything in it changes, even the rule for
// other hosts that the same start would otherwise add.
TEST_F(InitializerTest, RefusesADataDirectoryOfAnotherMajorUntouched) {
  root_.write("data/PG_VERSION", "15\n");
  const std::string local = "local all all trust\n";
  root_.write("data/pg_hba.conf", local);
  settings_.pg_listen = "*";
  ops_.version_line = "postgres (PostgreSQL) 17.12 (Debian 17.12-1)";
  const InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("was made by PostgreSQL 15 and the PostgreSQL here is 17"));
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"), local);
  EXPECT_EQ(ops_.specs().size(), 1u);  // the version question, nothing else

  ops_.version_line = "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)";
  EXPECT_EQ(run().outcome, InitOutcome::kSkipped);
}

// A rule of the user's own for other hosts is a decision: nothing is added.
TEST_F(InitializerTest, AUserRuleForOtherHostsIsLeftAsItIs) {
  root_.write("data/PG_VERSION", "15\n");
  const std::string own = "local all all trust\nhostssl all all 10.0.0.0/8 scram-sha-256\n";
  root_.write("data/pg_hba.conf", own);
  settings_.pg_listen = "*";
  ASSERT_EQ(run().outcome, InitOutcome::kSkipped);
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"), own);
}

TEST_F(InitializerTest, AnEmptyPgVersionDoesNotCountAsADatabase) {
  root_.write("data/PG_VERSION", "");
  EXPECT_FALSE(dataDirectoryInitialized(settings_.pgdata));
  EXPECT_EQ(run().outcome, InitOutcome::kInitialized);
}

// A volume mounted at PGDATA by a non-root container belongs to root: one line with the fix
// instead of an initdb that fails on chmod. (Here the folder is given away to another uid.)
TEST_F(InitializerTest, ADataDirectoryOfAnotherUserIsRefusedBeforeInitdb) {
  fs::create_directories(settings_.pgdata);
  ASSERT_EQ(::chown(settings_.pgdata.c_str(), ::geteuid() + 4242, ::getegid()), 0);
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("belongs to uid " + std::to_string(::geteuid() + 4242)));
  EXPECT_THAT(result.error,
              HasSubstr("set PGDATA to a folder inside it, e.g. " + settings_.pgdata + "/pgdata"));
  EXPECT_THAT(ops_.specs(), IsEmpty());
  ASSERT_EQ(::chown(settings_.pgdata.c_str(), ::geteuid(), ::getegid()), 0);
  EXPECT_EQ(dataDirectoryOwnerProblem(settings_.pgdata), "");
}

TEST_F(InitializerTest, RefusesWithoutAPasswordUnlessTrust) {
  settings_.init.password = "";
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("superuser password is not specified"));
  EXPECT_THAT(result.error, HasSubstr("POSTGRES_PASSWORD"));
  EXPECT_THAT(result.error, HasSubstr("POSTGRES_HOST_AUTH_METHOD=trust"));
  EXPECT_THAT(result.error, HasSubstr("not recommended"));
  EXPECT_EQ(result.error.find('\n'), std::string::npos);
  EXPECT_THAT(ops_.specs(), IsEmpty());
}

TEST_F(InitializerTest, TrustWithoutAPasswordProceedsWithAWarning) {
  settings_.init.password = "";
  settings_.init.host_auth_method = "trust";
  settings_.pg_listen = "*";  // as in the image
  initFile("10-a.sql");
  InitResult result = run();
  ASSERT_EQ(result.outcome, InitOutcome::kInitialized) << result.error;
  EXPECT_THAT(logLines(), Contains(HasSubstr("warning: POSTGRES_HOST_AUTH_METHOD=trust")));
  const std::string hba = testing::TempDir::read(root_.path() / "data/pg_hba.conf");
  EXPECT_THAT(hba, HasSubstr("# POSTGRES_HOST_AUTH_METHOD=trust"));
  EXPECT_THAT(hba, HasSubstr("host all all all trust\n"));
  // No password to pass on, and none is invented.
  EXPECT_FALSE(envValue(ops_.specs().at(2).env, "PGPASSWORD"));
}

TEST_F(InitializerTest, RunsEveryStepInOrder) {
  const auto run_sh = initFile("10-run.sh", fs::perms::owner_all);
  const auto source_sh = initFile("20-source.sh");
  const auto sql = initFile("30-plain.sql");
  const auto gz = initFile("40-a.sql.gz");
  const auto xz = initFile("41-b.sql.xz");
  const auto zst = initFile("42-c.sql.zst");
  const auto txt = initFile("50-readme.txt");
  initFile(".hidden.sql");
  const auto upper = initFile("10-Z.sql");  // byte order: 'Z' (0x5a) before 'r' (0x72)

  std::string pwfile, pwfile_content;
  fs::perms pwfile_perms{};
  ops_.on_spawn = [&](const SpawnSpec& spec) {
    for (const auto& arg : spec.argv) {
      if (arg.starts_with("--pwfile=")) {
        pwfile = arg.substr(9);
        pwfile_content = testing::TempDir::read(pwfile);
        pwfile_perms = fs::status(pwfile).permissions();
      }
    }
  };
  root_.write("data/pg_hba.conf", "local all all trust\n");

  InitResult result = run();
  ASSERT_EQ(result.outcome, InitOutcome::kInitialized) << result.error;

  EXPECT_THAT(commandNames(), ElementsAre("initdb", "postgres", "psql", "10-run.sh", "bash", "psql",
                                          "gzip", "psql", "xz", "psql", "zstd", "psql"));
  const auto specs = ops_.specs();

  // initdb: user, password file (0600, password and a newline, gone afterwards), waldir, the
  // split POSTGRES_INITDB_ARGS, then the data directory.
  EXPECT_THAT(specs[0].argv, ElementsAre("/pg/bin/initdb", "--username=owner", "--pwfile=" + pwfile,
                                         "--waldir=/wal", "--data-checksums", "--locale=C", "-D",
                                         settings_.pgdata));
  EXPECT_EQ(pwfile_content, "s3cret\n");
  EXPECT_EQ(pwfile_perms, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(pwfile));
  EXPECT_FALSE(fs::exists(fs::path(pwfile).parent_path()));

  // Listening on this machine only (the default): no rule for other hosts, a note instead.
  const std::string hba = testing::TempDir::read(root_.path() / "data/pg_hba.conf");
  EXPECT_THAT(hba, StartsWith("local all all trust\n\n# pgbr-supervisor: "));
  EXPECT_FALSE(hbaAdmitsOtherHosts(hba)) << hba;

  // The temporary server: the user's arguments first, then the overrides that keep it private.
  EXPECT_THAT(specs[1].argv,
              ElementsAre("/pg/bin/postgres", "-D", settings_.pgdata, "-c", "shared_buffers=64MB",
                          "-c", "listen_addresses=", "-c", "archive_mode=off", "-p", "5433", "-c",
                          "unix_socket_directories=" + settings_.pg_socket_dir));
  EXPECT_EQ(server_.last_params.socket_dir, settings_.pg_socket_dir);
  EXPECT_EQ(server_.last_params.port, 5433);
  EXPECT_EQ(server_.last_params.user, "owner");
  EXPECT_THAT(server_.created, ElementsAre("appdb"));

  auto psqlArgs = [&](const std::string& file) {
    return std::vector<std::string>{
        "/pg/bin/psql", "-v",       "ON_ERROR_STOP=1", "--username", "owner", "--no-password",
        "--no-psqlrc",  "--dbname", "appdb",           "-f",         file};
  };
  EXPECT_EQ(specs[2].argv, psqlArgs(upper.string()));
  EXPECT_THAT(specs[3].argv, ElementsAre(run_sh.string()));
  // Sourced: fixed program text, the file only as an argument.
  ASSERT_EQ(specs[4].argv.size(), 7u);
  EXPECT_THAT(specs[4].argv, ElementsAre("bash", "-Eeo", "pipefail", "-c", ::testing::_,
                                         "pgbr-supervisor", source_sh.string()));
  EXPECT_THAT(specs[4].argv[4], HasSubstr("docker_process_sql()"));
  EXPECT_THAT(specs[4].argv[4], Not(HasSubstr(source_sh.string())));
  EXPECT_EQ(specs[5].argv, psqlArgs(sql.string()));
  // Compressed files: decompressed into a private file that psql then reads.
  using Step = std::tuple<size_t, std::string, fs::path>;
  for (const auto& [i, tool, file] :
       {Step{6, "gzip", gz}, Step{8, "xz", xz}, Step{10, "zstd", zst}}) {
    EXPECT_THAT(specs[i].argv, ElementsAre(tool, "-dc", file.string()));
    ASSERT_FALSE(specs[i].stdout_path.empty());
    EXPECT_EQ(specs[i + 1].argv, psqlArgs(specs[i].stdout_path));
  }

  // Scripts see what the stock image exports, and reach the temporary server with plain psql.
  const auto& env = specs[3].env;
  EXPECT_EQ(envValue(env, "POSTGRES_USER"), "owner");
  EXPECT_EQ(envValue(env, "POSTGRES_PASSWORD"), "s3cret");
  EXPECT_EQ(envValue(env, "POSTGRES_DB"), "appdb");
  EXPECT_EQ(envValue(env, "PGPASSWORD"), "s3cret");
  EXPECT_EQ(envValue(env, "PGDATA"), settings_.pgdata);
  EXPECT_EQ(envValue(env, "PGHOST"), settings_.pg_socket_dir);
  EXPECT_EQ(envValue(env, "PGPORT"), "5433");
  EXPECT_EQ(envValue(env, "PATH"), "/pg/bin:/usr/bin:/bin");
  EXPECT_FALSE(envValue(env, "PGHOSTADDR"));
  EXPECT_FALSE(envValue(env, "POSTGRES_PASSWORD_FILE"));
  // initdb itself gets the plain environment: no password in it.
  EXPECT_FALSE(envValue(specs[0].env, "POSTGRES_PASSWORD"));

  // Stopped with SIGINT (fast shutdown), once.
  const auto sent = ops_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].pid, ops_.serverPid());
  EXPECT_EQ(sent[0].sig, sig::kInt);

  const auto lines = logLines();
  EXPECT_THAT(lines, Contains("sourcing " + source_sh.string()));
  EXPECT_THAT(lines, Contains("ignoring " + txt.string()));
  EXPECT_THAT(lines, Not(Contains(HasSubstr(".hidden.sql"))));
  EXPECT_EQ(lines.back(), "init process complete; ready for start up");
}

TEST_F(InitializerTest, DefaultDatabaseIsNotCreated) {
  settings_.init.db = "postgres";
  ASSERT_EQ(run().outcome, InitOutcome::kInitialized);
  EXPECT_THAT(server_.created, IsEmpty());
}

TEST_F(InitializerTest, TheReplicationUserGetsItsRoleAndItsRule) {
  settings_.pg_listen = "*";
  settings_.init.replication_user = "replicator";
  settings_.init.replication_password = "repl-pw";
  root_.write("data/pg_hba.conf", "local all all trust\n");
  ASSERT_EQ(run().outcome, InitOutcome::kInitialized);
  EXPECT_THAT(server_.replication_roles, ElementsAre("replicator:repl-pw"));
  EXPECT_EQ(testing::TempDir::read(root_.path() / "data/pg_hba.conf"),
            "local all all trust\n\nhost all all all scram-sha-256\n\n# "
            "POSTGRES_REPLICATION_USER: standbys stream from here\nhost replication "
            "\"replicator\" all scram-sha-256\n");
}

TEST_F(InitializerTest, NoReplicationUserNoRole) {
  ASSERT_EQ(run().outcome, InitOutcome::kInitialized);
  EXPECT_THAT(server_.replication_roles, IsEmpty());
}

TEST_F(InitializerTest, AFailingFileStopsEverythingAndSaysTheDirectoryStays) {
  initFile("10-ok.sql");
  initFile("20-bad.sql");
  initFile("30-never.sql");
  ops_.exit_codes["20-bad.sql"] = 3;
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("20-bad.sql (psql) exited with code 3"));
  EXPECT_THAT(result.error, HasSubstr(settings_.pgdata));
  EXPECT_THAT(result.error, HasSubstr("stays"));
  EXPECT_EQ(result.error.find('\n'), std::string::npos);
  EXPECT_THAT(commandNames(), ElementsAre("initdb", "postgres", "psql", "psql"));
  // The temporary server does not outlive the failure.
  ASSERT_EQ(ops_.sent().size(), 1u);
  EXPECT_EQ(ops_.sent()[0].sig, sig::kInt);
}

TEST_F(InitializerTest, FailingInitdbStartsNoServer) {
  ops_.exit_codes["initdb"] = 1;
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, StartsWith("initialisation stopped: initdb exited with code 1"));
  EXPECT_THAT(commandNames(), ElementsAre("initdb"));
}

TEST_F(InitializerTest, BadInitdbArgsStopBeforeAnythingRuns) {
  settings_.init.initdb_args = "--locale='C";
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("POSTGRES_INITDB_ARGS"));
  EXPECT_THAT(result.error, HasSubstr("unterminated single quote"));
  EXPECT_THAT(ops_.specs(), IsEmpty());
}

TEST_F(InitializerTest, ServerThatDiesWhileStartingIsReported) {
  server_.is_ready = false;
  ops_.server_exit_code = 1;
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("temporary server exited with code 1 while starting"));
  EXPECT_THAT(ops_.sent(), IsEmpty());  // nothing left to stop
}

TEST_F(InitializerTest, CreateDatabaseFailureIsReported) {
  server_.create_error = "permission denied to create database";
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("creating database appdb: permission denied"));
}

TEST_F(InitializerTest, CancelStopsTheRunningScriptAndTheServer) {
  initFile("10-slow.sh", fs::perms::owner_all);
  initFile("20-never.sql");
  ops_.hang.insert("10-slow.sh");
  ops_.on_spawn = [&](const SpawnSpec& spec) {
    if (fileName(spec.argv[0]) == "10-slow.sh") cancel_ = true;
  };
  InitResult result = run();
  EXPECT_EQ(result.outcome, InitOutcome::kFailed);
  EXPECT_THAT(result.error, HasSubstr("10-slow.sh was cancelled"));
  EXPECT_THAT(commandNames(), ElementsAre("initdb", "postgres", "10-slow.sh"));
  const auto sent = ops_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].sig, sig::kTerm);  // the script's group
  EXPECT_EQ(sent[1].pid, ops_.serverPid());
  EXPECT_EQ(sent[1].sig, sig::kInt);
}

TEST(InitFiles, ClassifiedByNameAndPermission) {
  EXPECT_EQ(classifyInitFile("a.sh", true), InitFileKind::kRun);
  EXPECT_EQ(classifyInitFile("a.sh", false), InitFileKind::kSource);
  EXPECT_EQ(classifyInitFile("a.sql", true), InitFileKind::kSql);
  EXPECT_EQ(classifyInitFile("a.sql.gz", false), InitFileKind::kSqlGz);
  EXPECT_EQ(classifyInitFile("a.sql.xz", false), InitFileKind::kSqlXz);
  EXPECT_EQ(classifyInitFile("a.sql.zst", false), InitFileKind::kSqlZst);
  EXPECT_EQ(classifyInitFile("a.sql.bz2", false), InitFileKind::kIgnore);
  EXPECT_EQ(classifyInitFile("a.gz", false), InitFileKind::kIgnore);
  EXPECT_EQ(classifyInitFile("README", true), InitFileKind::kIgnore);
}

TEST(InitFiles, MissingDirectoryIsEmpty) {
  InitFiles files = listInitFiles("/nonexistent/initdb.d");
  EXPECT_TRUE(files.error.empty());
  EXPECT_THAT(files.files, IsEmpty());
}

TEST(CheckInitSettings, PasswordOrTrust) {
  PostgresInitSettings init;
  init.password = "x";
  EXPECT_EQ(checkInitSettings(init), "");
  init.password = "";
  EXPECT_NE(checkInitSettings(init), "");
  init.host_auth_method = "trust";
  EXPECT_EQ(checkInitSettings(init), "");
  init.host_auth_method = "md5";
  EXPECT_NE(checkInitSettings(init), "");
}

}  // namespace
}  // namespace pgbr
