// The foundation through the real binary, as a container runs it: initialisation like the stock
// postgres image, supervision (restart after a crash, FATAL after quick exits), signals, orphan
// reaping, refusal of bad settings, the command line and the logs. Each test owns a fresh
// supervisor in a temporary folder; waits poll a condition, never a bare sleep.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

// initdb's closing fsync of the new cluster is the slowest step of a fresh start on a busy
// machine, and no test here depends on it (a killed process loses nothing the kernel holds).
const std::map<std::string, std::string> kQuickInitdb{{"POSTGRES_INITDB_ARGS", "--no-sync"}};

// ------------------------------------------------------------------------------ helpers

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

size_t countLinesContaining(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (const auto& line : lines(text))
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

// /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so the
// fields are read after the last ')'.
struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
};
std::optional<ProcStat> procStat(pid_t pid) {
  std::string text = readFile(fs::path("/proc") / std::to_string(pid) / "stat");
  auto close = text.rfind(')');
  if (text.empty() || close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  ProcStat s;
  rest >> s.state >> s.ppid;
  return s;
}

// Every zombie whose parent is `parent`: a supervisor that reaps leaves none behind for long.
std::vector<pid_t> zombieChildrenOf(pid_t parent) {
  std::vector<pid_t> zombies;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = std::stoi(name);
    auto st = procStat(pid);
    if (st && st->state == 'Z' && st->ppid == parent) zombies.push_back(pid);
  }
  return zombies;
}

bool processExists(pid_t pid) {
  return fs::exists(fs::path("/proc") / std::to_string(pid));
}

// "Database cluster state" from pg_controldata, run as postgres in the C locale.
std::string clusterState(const fs::path& pgdata) {
  auto r = run({kPgBin + "/pg_controldata", pgdata.string()}, {{"LC_ALL", "C"}}, "postgres");
  std::smatch m;
  static const std::regex re("Database cluster state:\\s*([^\\n]+)");
  if (std::regex_search(r.output, m, re)) return m[1];
  return "pg_controldata failed: " + r.output;
}

// The value of an unlabelled sample in Prometheus text, or -1.
double metric(const std::string& text, const std::string& name) {
  for (const auto& line : lines(text))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

std::unique_ptr<Pg> connectTcp(const SupervisorUnderTest& sup, const std::string& db,
                               const std::string& user, const std::string& password,
                               const std::string& host = "127.0.0.1") {
  return std::make_unique<Pg>(host, sup.pgPort(), db, user, password);
}

// An IPv4 address of this host that is not loopback: connections from loopback meet initdb's
// `trust` lines (as in the stock image), so only such an address exercises
// POSTGRES_HOST_AUTH_METHOD. (127.0.0.2 does not do: the kernel picks 127.0.0.1 as its source.)
std::string nonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// The binary in a clean environment, as a container starts it: the test's own variables
// (KEEP_TEST_DIRS) would be refused as unknown settings.
CommandOutput runBinary(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv{"env", "-i", "PATH=/usr/bin:/bin"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

CommandOutput healthcheck(const SupervisorUnderTest& sup) {
  return runBinary({"healthcheck"}, {"PGBR_API_LISTEN=127.0.0.1:" + std::to_string(sup.apiPort())});
}

// A data directory made by initdb directly, as if an earlier container had created it.
void initdbDirectly(const fs::path& pgdata) {
  fs::create_directories(pgdata);
  chownToPostgres(pgdata);
  fs::permissions(pgdata, fs::perms::owner_all, fs::perm_options::replace);
  auto r = run(
      {kPgBin + "/initdb", "-D", pgdata.string(), "-U", "postgres", "--auth=trust", "--no-sync"},
      {{"LC_ALL", "C"}}, "postgres");
  ASSERT_EQ(r.code, 0) << r.output;
}

// A folder the postgres user may write into (init scripts leave their traces there).
fs::path scratchDir(const fs::path& root) {
  fs::path p = root / "scratch";
  fs::create_directories(p);
  fs::permissions(p, fs::perms::all, fs::perm_options::replace);
  return p;
}

// ------------------------------------------------------------------------------ initialisation

// POSTGRES_USER / _PASSWORD_FILE / _DB / _INITDB_ARGS / _INITDB_WALDIR, the host auth method,
// one init file of each kind and -c pass-through; then a second start on the same data directory
// that neither re-initialises nor runs the init files again.
TEST(Foundation, InitialisesLikeTheStockImageAndNeverTwice) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const fs::path scratch = scratchDir(dir.path());
  const fs::path initd = dir.path() / "initdb.d";
  const fs::path runs = scratch / "runs";
  writeFile(dir.path() / "secrets" / "pw", "s3cret-from-file\n", fs::perms(0600));
  writeFile(initd / "10-exec.sh",
            "#!/bin/sh\nset -e\necho exec >> " + runs.string() +
                "\npsql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" --dbname \"$POSTGRES_DB\" "
                "-c 'create table from_exec_sh(v int); insert into from_exec_sh values (1)'\n",
            fs::perms(0755));
  // Only a sourced script sees the entrypoint's docker_process_sql function.
  writeFile(initd / "20-sourced.sh",
            "echo sourced >> " + runs.string() +
                "\ndocker_process_sql -c 'create table from_sourced_sh(v int)'\n",
            fs::perms(0644));
  writeFile(initd / "30-plain.sql",
            "create table from_sql(v int); insert into from_sql values (3);\n");
  for (const auto& [ext, tool] : std::vector<std::pair<std::string, std::string>>{
           {"gz", "gzip"}, {"xz", "xz"}, {"zst", "zstd"}}) {
    const fs::path sql = initd / ("40-" + tool + ".sql");
    writeFile(sql, "create table from_sql_" + ext + "(v int);\n");
    auto r = run({tool, "-q", sql.string()});
    ASSERT_EQ(r.code, 0) << r.output;
    if (tool == "zstd") fs::remove(sql);  // zstd keeps its input; gzip and xz replace it
    ASSERT_TRUE(fs::exists(initd / ("40-" + tool + ".sql." + ext)));
    fs::permissions(initd / ("40-" + tool + ".sql." + ext), fs::perms(0644));
  }

  SupervisorUnderTest sup(dir.path(),
                          {{"POSTGRES_USER", "app"},
                           {"POSTGRES_PASSWORD_FILE", (dir.path() / "secrets" / "pw").string()},
                           {"POSTGRES_DB", "appdb"},
                           {"POSTGRES_INITDB_ARGS", "--data-checksums --no-sync"},
                           {"POSTGRES_INITDB_WALDIR", (dir.path() / "wal").string()},
                           {"POSTGRES_HOST_AUTH_METHOD", "scram-sha-256"},
                           {"PGBR_PG_LISTEN", "*"}},  // as the image sets it
                          {"-c", "work_mem=7MB"});
  sup.env().erase("POSTGRES_PASSWORD");
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();

  // Over TCP with the user, the password from the file (trailing newline dropped) and the db.
  auto pg = connectTcp(sup, "appdb", "app", "s3cret-from-file");
  ASSERT_TRUE(pg->ok()) << pg->error() << sup.output();
  EXPECT_EQ(pg->value("select current_database()"), "appdb");
  EXPECT_EQ(pg->value("select rolsuper::text from pg_roles where rolname = 'app'"), "true");
  EXPECT_EQ(pg->value("select left(rolpassword, 14) from pg_authid where rolname = 'app'"),
            "SCRAM-SHA-256$");
  EXPECT_EQ(pg->value("show data_checksums"), "on");
  EXPECT_EQ(pg->value("show work_mem"), "7MB");
  const std::string system_id =
      pg->value("select system_identifier::text from pg_control_system()");
  EXPECT_NE(readFile(sup.pgdata() / "pg_hba.conf").find("host all all all scram-sha-256"),
            std::string::npos);
  if (const std::string remote = nonLoopbackAddress(); !remote.empty()) {
    auto wrong = connectTcp(sup, "appdb", "app", "not-the-password", remote);
    EXPECT_FALSE(wrong->ok());
    EXPECT_NE(wrong->error().find("password authentication failed"), std::string::npos)
        << wrong->error();
    auto right = connectTcp(sup, "appdb", "app", "s3cret-from-file", remote);
    EXPECT_TRUE(right->ok()) << right->error();
  } else {
    std::cout << "no non-loopback IPv4 address: scram over the network not exercised\n";
  }
  // No role named postgres: POSTGRES_USER replaces it, as in the stock image.
  EXPECT_EQ(pg->value("select count(*) from pg_roles where rolname = 'postgres'"), "0");

  // The WAL lives where POSTGRES_INITDB_WALDIR says.
  ASSERT_TRUE(fs::is_symlink(sup.pgdata() / "pg_wal"));
  EXPECT_EQ(fs::read_symlink(sup.pgdata() / "pg_wal"), dir.path() / "wal");
  EXPECT_TRUE(fs::exists(dir.path() / "wal" / "archive_status"));

  // Every init file ran once, each against POSTGRES_DB.
  EXPECT_EQ(pg->value("select sum(v)::text from from_exec_sh"), "1");
  EXPECT_EQ(pg->value("select sum(v)::text from from_sql"), "3");
  for (const std::string table : {"from_sourced_sh", "from_sql_gz", "from_sql_xz", "from_sql_zst"})
    EXPECT_EQ(pg->value("select to_regclass('" + table + "') is not null"), "t") << table;
  EXPECT_EQ(readFile(runs), "exec\nsourced\n");
  ASSERT_TRUE(pg->exec("insert into from_sql values (4)"));
  pg.reset();

  // Second start on the same data directory.
  ASSERT_EQ(sup.stop(SIGTERM, 30s), 0) << sup.output();
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  pg = connectTcp(sup, "appdb", "app", "s3cret-from-file");
  ASSERT_TRUE(pg->ok()) << pg->error();
  EXPECT_EQ(pg->value("select system_identifier::text from pg_control_system()"), system_id);
  EXPECT_EQ(pg->value("select sum(v)::text from from_sql"), "7");
  EXPECT_EQ(readFile(runs), "exec\nsourced\n") << "init files ran again";
}

// Like the stock image's `find "$PGDATA" \! -user postgres -exec chown postgres`, at every start
// and although the folders themselves already belong to postgres: what root left inside them
// (a `docker exec` as root, a copy restored by hand) is given to postgres before Postgres or
// pgBackRest meets it. Symbolic links are given themselves; what they point at is left alone.
TEST(Foundation, GivesWhatRootLeftInsideTheDataAndStateFoldersToPostgresAtEveryStart) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kQuickInitdb);
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  ASSERT_EQ(sup.stop(SIGTERM, 30s), 0) << sup.output();

  const passwd* pw = ::getpwnam("postgres");
  ASSERT_NE(pw, nullptr);
  const fs::path outside = dir.path() / "outside";
  writeFile(outside, "root's\n", fs::perms(0600));
  const std::vector<fs::path> left_by_root{
      sup.pgdata() / "left_by_root", sup.pgdata() / "left_by_root" / "deeper",
      sup.pgdata() / "left_by_root" / "deeper" / "file", sup.stateDir() / "repo" / "left_by_root"};
  fs::create_directories(left_by_root[1]);
  writeFile(left_by_root[2], "x\n", fs::perms(0600));
  writeFile(left_by_root[3], "x\n", fs::perms(0600));
  fs::create_symlink(outside, sup.pgdata() / "link_by_root");
  auto owner = [](const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
  };
  for (const auto& p : left_by_root) ASSERT_EQ(owner(p), 0u) << p;
  ASSERT_EQ(owner(sup.pgdata()), pw->pw_uid) << "the folder itself is already right";
  ASSERT_EQ(owner(sup.stateDir()), pw->pw_uid);

  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  for (const auto& p : left_by_root) EXPECT_EQ(owner(p), pw->pw_uid) << p;
  EXPECT_EQ(owner(sup.pgdata() / "link_by_root"), pw->pw_uid);
  EXPECT_EQ(owner(outside), 0u) << "a link's target is not the link's to give";
}

// ------------------------------------------------------------------------------ supervision

// A crash (SIGKILL of the postmaster) is followed by a restart, and nothing committed is lost.
TEST(Foundation, RestartsPostgresAfterSigkillWithoutLosingCommits) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kQuickInitdb);
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();

  auto procs = sup.get("/api/v1/processes").json();
  ASSERT_TRUE(procs.is_object()) << procs;
  const Json postgres = procs["processes"][0];
  ASSERT_EQ(postgres["name"], "postgres");
  ASSERT_EQ(postgres["state"], "RUNNING");
  EXPECT_EQ(postgres["restarts"], 0);
  const pid_t postmaster = postgres["pid"].get<pid_t>();
  const std::string pidfile = readFile(sup.pgdata() / "postmaster.pid");
  EXPECT_EQ(pidfile.substr(0, pidfile.find('\n')), std::to_string(postmaster));

  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_TRUE(pg->exec("create table committed(n int)"));
    for (int i = 1; i <= 200; ++i)  // each insert its own committed transaction
      ASSERT_TRUE(pg->exec("insert into committed values (" + std::to_string(i) + ")"));
    ASSERT_EQ(::kill(postmaster, SIGKILL), 0);
  }

  Json after;
  ASSERT_TRUE(eventually(
      [&] {
        after = sup.get("/api/v1/processes").json();
        return after.is_object() && after["processes"][0]["state"] == "RUNNING" &&
               after["processes"][0]["pid"] != postmaster;
      },
      60s))
      << after << sup.output();
  EXPECT_EQ(after["processes"][0]["restarts"], 1) << after;
  EXPECT_NE(after["processes"][0]["last_exit"].get<std::string>().find("SIGKILL"),
            std::string::npos)
      << after;
  EXPECT_TRUE(sup.running());
  auto pg = sup.connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  EXPECT_EQ(pg->value("select count(*) from committed"), "200");
  EXPECT_EQ(pg->value("select sum(n) from committed"), "20100");
}

// Postgres that exits at once, again and again: the supervisor gives up with one FATAL line and
// a non-zero exit instead of restarting forever.
TEST(Foundation, GivesUpWithFatalAfterRepeatedQuickExits) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), {{"PGBR_RESTART_LIMIT", "2"}, {"PGBR_BACKOFF_MAX_S", "1"}},
                          {"-c", "shared_buffers=garbage"});
  // An existing data directory: a fresh one would fail earlier, in the init step's temporary
  // server, which receives the same arguments.
  initdbDirectly(sup.pgdata());
  const auto started = std::chrono::steady_clock::now();
  sup.start();
  auto code = sup.waitExit(60s);
  ASSERT_TRUE(code.has_value()) << "still running\n" << sup.output();
  EXPECT_NE(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  const std::string out = sup.output();
  // Postgres' own complaint reaches the output, then the supervisor's verdict.
  EXPECT_NE(out.find("invalid value for parameter \"shared_buffers\""), std::string::npos) << out;
  EXPECT_EQ(countLinesContaining(out, "-> FATAL"), 1u) << out;
  EXPECT_EQ(countLinesContaining(out, "postgres cannot be kept running"), 1u) << out;
  EXPECT_NE(out.find("2 times in a row"), std::string::npos) << out;
}

// ------------------------------------------------------------------------------ signals

bool cleanStartLogged(const std::string& out) {
  return out.find("database system was shut down at") != std::string::npos &&
         out.find("was interrupted") == std::string::npos &&
         out.find("automatic recovery in progress") == std::string::npos;
}

// SIGTERM and SIGINT: clean fast shutdown, exit 0 within the stock image's 10 s; SIGHUP reloads;
// SIGQUIT is an immediate shutdown (the next start recovers). healthcheck follows along.
TEST(Foundation, SignalsShutDownCleanlyReloadOrStopImmediately) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kQuickInitdb);
  ASSERT_TRUE(sup.startAndSettle());
  auto hc = healthcheck(sup);
  EXPECT_EQ(hc.code, 0) << hc.output;

  // SIGHUP: a reloadable setting changed in postgresql.auto.conf takes effect.
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    ASSERT_EQ(pg->value("show work_mem"), "4MB");
    ASSERT_TRUE(pg->exec("alter system set work_mem = '13MB'"));
  }
  EXPECT_NE(readFile(sup.pgdata() / "postgresql.auto.conf").find("13MB"), std::string::npos);
  EXPECT_EQ(sup.connect()->value("show work_mem"), "4MB") << "changed before any reload";
  ASSERT_EQ(::kill(sup.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return sup.connect()->value("show work_mem") == "13MB"; }, 10s));
  EXPECT_TRUE(sup.running());

  // SIGTERM and SIGINT on an idle database.
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
    const auto t0 = std::chrono::steady_clock::now();
    auto code = sup.stop(sig, 10s);
    ASSERT_TRUE(code.has_value()) << "no exit within 10 s\n" << sup.output();
    EXPECT_EQ(*code, 0) << sup.output();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
    EXPECT_EQ(clusterState(sup.pgdata()), "shut down");
    hc = healthcheck(sup);
    EXPECT_EQ(hc.code, 1) << hc.output;

    sup.start();
    ASSERT_TRUE(sup.waitReady()) << sup.output();
    EXPECT_TRUE(cleanStartLogged(sup.output())) << sup.output();
    EXPECT_EQ(sup.connect()->value("show work_mem"), "13MB");
  }

  // SIGQUIT: immediate; the data directory is left as after a crash and the next start recovers.
  auto code = sup.stop(SIGQUIT, 10s);
  ASSERT_TRUE(code.has_value()) << sup.output();
  EXPECT_EQ(clusterState(sup.pgdata()), "in production");
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  const std::string out = sup.output();
  EXPECT_NE(out.find("automatic recovery in progress"), std::string::npos) << out;
  EXPECT_EQ(out.find("database system was shut down at"), std::string::npos) << out;
}

// ------------------------------------------------------------------------------ orphans

// A process that outlives its parent comes to the supervisor (child subreaper) and is reaped; so
// are pgBackRest's async archive-push daemons.
TEST(Foundation, ReapsOrphansIncludingArchivePushDaemons) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const fs::path scratch = scratchDir(dir.path());
  const fs::path orphan_pid = scratch / "orphan.pid";
  // setsid and `&`: the sleeper leaves the script's session and survives it; exec keeps the pid
  // it wrote.
  writeFile(dir.path() / "initdb.d" / "10-orphan.sh",
            "#!/bin/sh\nsetsid sh -c 'echo $$ > " + orphan_pid.string() +
                "; exec sleep 4' </dev/null >/dev/null 2>&1 &\nexit 0\n",
            fs::perms(0755));
  SupervisorUnderTest sup(dir.path(), kQuickInitdb);
  sup.start();

  ASSERT_TRUE(eventually([&] { return !readFile(orphan_pid).empty(); }, 60s)) << sup.output();
  const pid_t orphan = std::stoi(readFile(orphan_pid));
  // While it sleeps its parent is the supervisor, whatever started it.
  EXPECT_TRUE(eventually(
      [&] {
        auto st = procStat(orphan);
        return st && st->ppid == sup.pid();
      },
      5s, 20ms))
      << "orphan " << orphan << " was not re-parented to the supervisor " << sup.pid();
  // Gone from /proc entirely: a zombie would still be listed.
  EXPECT_TRUE(eventually([&] { return !processExists(orphan); }, 15s));
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  EXPECT_GE(metric(sup.get("/metrics").body, "pgbr_orphans_reaped_total"), 1);
  EXPECT_TRUE(eventually([&] { return zombieChildrenOf(sup.pid()).empty(); }, 5s));

  // WAL switches make Postgres run archive-push, whose async daemon detaches.
  ASSERT_TRUE(sup.waitStartupDone()) << sup.output();
  auto pg = sup.connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  const long archived0 = std::stol(pg->value("select archived_count from pg_stat_archiver"));
  const double orphans0 = metric(sup.get("/metrics").body, "pgbr_orphans_reaped_total");
  ASSERT_TRUE(pg->exec("create table walk(n int)"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pg->exec("insert into walk select generate_series(1, 1000)"));
    ASSERT_FALSE(pg->value("select pg_switch_wal()").starts_with("ERROR")) << pg->error();
  }
  EXPECT_TRUE(eventually(
      [&] {
        return std::stol(pg->value("select archived_count from pg_stat_archiver")) >= archived0 + 3;
      },
      60s))
      << pg->value("select * from pg_stat_archiver");
  EXPECT_TRUE(eventually(
      [&] { return metric(sup.get("/metrics").body, "pgbr_orphans_reaped_total") > orphans0; },
      30s));
  std::vector<pid_t> zombies;
  EXPECT_TRUE(eventually(
      [&] {
        zombies = zombieChildrenOf(sup.pid());
        return zombies.empty();
      },
      5s))
      << zombies.size() << " zombie(s), first " << zombies.front();
}

// ------------------------------------------------------------------------------ bad settings

struct Refusal {
  int code = -1;
  std::string output;
  bool pgdata_exists = false;
  bool state_exists = false;
};

Refusal startExpectingRefusal(const std::map<std::string, std::string>& env,
                              const std::vector<std::string>& unset = {}) {
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), env);
  for (const auto& name : unset) sup.env().erase(name);
  sup.start();
  Refusal r;
  auto code = sup.waitExit(30s);
  r.code = code.value_or(-1);
  r.output = sup.output();
  r.pgdata_exists = fs::exists(sup.pgdata());
  r.state_exists = fs::exists(sup.stateDir());
  return r;
}

void expectConfigRefusal(const Refusal& r, const std::string& names) {
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.code, -1) << "did not exit\n" << r.output;
  EXPECT_EQ(countLinesContaining(r.output, "error:"), 1u) << r.output;
  EXPECT_EQ(lines(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find(names), std::string::npos) << r.output;
  EXPECT_FALSE(r.pgdata_exists) << "a data directory was created";
  EXPECT_FALSE(r.state_exists) << "a state folder was created";
}

TEST(Foundation, RefusesBadSettingsWithOneLineAndStartsNothing) {
  PGBR_REQUIRE_ROOT();
  TempDir secrets;
  writeFile(secrets.path() / "pw", "from-file\n", fs::perms(0600));
  {
    SCOPED_TRACE("password twice");
    expectConfigRefusal(
        startExpectingRefusal({{"POSTGRES_PASSWORD", "x"},
                               {"POSTGRES_PASSWORD_FILE", (secrets.path() / "pw").string()}}),
        "POSTGRES_PASSWORD_FILE");
  }
  {
    SCOPED_TRACE("bad cron");
    expectConfigRefusal(startExpectingRefusal({{"PGBR_SCHEDULE_FULL", "61 * * * *"}}),
                        "PGBR_SCHEDULE_FULL");
  }
  {
    SCOPED_TRACE("unknown PGBR_ variable");
    expectConfigRefusal(startExpectingRefusal({{"PGBR_SCHEDULE_FUL", "@daily"}}),
                        "PGBR_SCHEDULE_FUL");
  }
  {
    // The stock image's refusal: nothing is initialised, Postgres never starts.
    SCOPED_TRACE("no password for a new data directory");
    Refusal r = startExpectingRefusal({}, {"POSTGRES_PASSWORD"});
    EXPECT_NE(r.code, 0) << r.output;
    EXPECT_NE(r.code, -1) << "did not exit\n" << r.output;
    std::vector<std::string> refusal;
    for (const auto& line : lines(r.output))
      if (line.find("POSTGRES_PASSWORD") != std::string::npos) refusal.push_back(line);
    ASSERT_EQ(refusal.size(), 1u) << r.output;
    EXPECT_NE(refusal[0].find("error"), std::string::npos) << refusal[0];
    EXPECT_NE(refusal[0].find("POSTGRES_HOST_AUTH_METHOD=trust"), std::string::npos) << refusal[0];
    EXPECT_EQ(countLinesContaining(r.output, "error"), 1u) << r.output;
    EXPECT_EQ(r.output.find("database system is ready"), std::string::npos) << r.output;
  }
}

// ------------------------------------------------------------------------------ command line

TEST(Foundation, HelpListsEveryFlagAndVersionPrintsIt) {
  PGBR_REQUIRE_ROOT();
  auto help = runBinary({"--help"});
  EXPECT_EQ(help.code, 0);
  // Every flag the setting table declares, read from the source so a new one is checked too.
  const std::string table = readFile(sourceDir() / "supervisor" / "config" / "setting_table.cpp");
  static const std::regex flag_re("\\.(file_)?flag = \"(--[a-z0-9-]+)\"");
  std::set<std::string> flags{"--help", "--version"};
  for (std::sregex_iterator it(table.begin(), table.end(), flag_re), end; it != end; ++it)
    flags.insert((*it)[2]);
  EXPECT_GE(flags.size(), 12u) << "the setting table was not read";
  for (const auto& flag : flags)
    EXPECT_TRUE(std::regex_search(help.output, std::regex("(^|\\s)" + flag + "(\\s|$)")))
        << flag << " missing from --help";

  auto version = runBinary({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.output, "pgbr-supervisor " PGBR_EXPECTED_VERSION "\n");
}

// ------------------------------------------------------------------------------ logs

// Also covers POSTGRES_HOST_AUTH_METHOD=trust without a password: allowed, and TCP needs none.
TEST(Foundation, LogsAreCapturedEchoedJsonAndRotated) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(),
                          {{"POSTGRES_INITDB_ARGS", "--no-sync"},
                           {"POSTGRES_HOST_AUTH_METHOD", "trust"},
                           {"PGBR_PG_LISTEN", "*"},
                           {"PGBR_LOG_FORMAT", "json"},
                           {"PGBR_LOG_MAX_BYTES", "20000"}},
                          {"-c", "log_statement=all"});
  sup.env().erase("POSTGRES_PASSWORD");
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  auto pg = connectTcp(sup, "postgres", "postgres", "");
  ASSERT_TRUE(pg->ok()) << pg->error();
  EXPECT_NE(readFile(sup.pgdata() / "pg_hba.conf").find("host all all all trust"),
            std::string::npos);
  if (const std::string remote = nonLoopbackAddress(); !remote.empty()) {
    auto from_afar = connectTcp(sup, "postgres", "postgres", "", remote);
    EXPECT_TRUE(from_afar->ok()) << from_afar->error();
  }

  const std::string padding(100, 'x');
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(pg->exec("select '" + padding + std::to_string(i) + "'"));
  ASSERT_TRUE(pg->exec("select 'foundation-log-marker'"));
  const fs::path logs = sup.stateDir() / "logs";
  EXPECT_TRUE(eventually(
      [&] { return sup.postgresLog().find("foundation-log-marker") != std::string::npos; }, 10s));
  EXPECT_TRUE(fs::exists(logs / "postgres.log.1"));
  EXPECT_LE(fs::file_size(logs / "postgres.log"), 20000u);
  EXPECT_LE(fs::file_size(logs / "postgres.log.1"), 20000u);

  // Echoed on stdout, one JSON object per line, as is every line of the supervisor's own.
  EXPECT_TRUE(eventually(
      [&] { return sup.output().find("foundation-log-marker") != std::string::npos; }, 10s));
  size_t supervisor_lines = 0;
  size_t postgres_lines = 0;
  for (const auto& line : lines(sup.output())) {
    if (line.empty()) continue;
    ASSERT_EQ(line.front(), '{') << line;
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    ASSERT_TRUE(j["msg"].is_string()) << line;
    if (j["source"] == "supervisor") {
      ++supervisor_lines;
      EXPECT_TRUE(j["level"].is_string()) << line;
      EXPECT_TRUE(j["time"].is_string()) << line;
    }
    if (j["source"] == "postgres") ++postgres_lines;
  }
  EXPECT_GE(supervisor_lines, 3u);
  EXPECT_GE(postgres_lines, 300u);
}

}  // namespace
}  // namespace pgbr::it
