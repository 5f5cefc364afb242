// What a plain machine gets (scripts/run.sh starts the binary as root, outside a container):
// Postgres reachable from this machine only until PGBR_PG_LISTEN opens it, and pgBackRest's own
// folders (PGBACKREST_LOCK_PATH, _LOG_PATH, _SPOOL_PATH) prepared for the postgres user even
// where that user could not create them, or start-up refused with one line naming the variable.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>

#include "tests/integration/harness.h"

namespace pgbr::it {
namespace {

// An IPv4 address of this host that is not loopback, or "" (a machine without a network).
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

// The addresses with a listening TCP socket on `port`, read from /proc/net/tcp and tcp6 (state
// 0A is LISTEN): what the kernel says, whatever Postgres reports.
std::set<std::string> listeningAddresses(int port) {
  std::set<std::string> out;
  for (const std::string table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream lines(readFile(table));
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const auto colon = local.find(':');
      if (state != "0A" || colon == std::string::npos ||
          std::stoi(local.substr(colon + 1), nullptr, 16) != port) {
        continue;
      }
      // The kernel prints each 32-bit word of the address as the number it holds in memory.
      const std::string hex = local.substr(0, colon);
      char text[INET6_ADDRSTRLEN] = {};
      if (hex.size() == 8) {
        in_addr addr{};
        addr.s_addr = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
        ::inet_ntop(AF_INET, &addr, text, sizeof text);
      } else {
        in6_addr addr{};
        for (int i = 0; i < 4; ++i) {
          const uint32_t word =
              static_cast<uint32_t>(std::stoul(hex.substr(i * 8, 8), nullptr, 16));
          std::memcpy(&addr.s6_addr[i * 4], &word, 4);
        }
        ::inet_ntop(AF_INET6, &addr, text, sizeof text);
      }
      out.insert(text);
    }
  }
  return out;
}

std::unique_ptr<Pg> connectOver(const SupervisorUnderTest& sup, const std::string& host) {
  return std::make_unique<Pg>(host, sup.pgPort(), "postgres", "postgres", "it-secret-pw");
}

const std::map<std::string, std::string> kQuickInitdb{{"POSTGRES_INITDB_ARGS", "--no-sync"}};

// ------------------------------------------------------------------------------ who reaches
// Postgres

// By default (run.sh) Postgres listens on loopback only and pg_hba.conf has no rule for other
// hosts; PGBR_PG_LISTEN=* on a later start opens it, pg_hba.conf included, with the password.
TEST(PlainHost, PostgresListensOnThisMachineOnlyUntilPgbrPgListenOpensIt) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  SupervisorUnderTest sup(dir.path(), kQuickInitdb);
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    EXPECT_EQ(pg->value("show listen_addresses"), "localhost");
  }
  const std::set<std::string> local = listeningAddresses(sup.pgPort());
  EXPECT_FALSE(local.empty());
  for (const std::string& address : local) {
    EXPECT_TRUE(address == "127.0.0.1" || address == "::1") << address << " is not loopback";
  }
  EXPECT_TRUE(connectOver(sup, "127.0.0.1")->ok());
  const std::string hba = readFile(sup.pgdata() / "pg_hba.conf");
  EXPECT_EQ(hba.find("\nhost all all all"), std::string::npos) << hba;
  const std::string remote = nonLoopbackAddress();
  if (!remote.empty()) {
    auto far = connectOver(sup, remote);
    EXPECT_FALSE(far->ok());
    EXPECT_NE(far->error().find("Connection refused"), std::string::npos) << far->error();
  } else {
    std::cout << "no non-loopback IPv4 address: a connection from another host not tried\n";
  }

  ASSERT_EQ(sup.stop(SIGTERM, 30s), 0) << sup.output();
  sup.env()["PGBR_PG_LISTEN"] = "*";
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  {
    auto pg = sup.connect();
    ASSERT_TRUE(pg->ok()) << pg->error();
    EXPECT_EQ(pg->value("show listen_addresses"), "*");
  }
  const std::set<std::string> open = listeningAddresses(sup.pgPort());
  EXPECT_TRUE(open.count("0.0.0.0") || open.count("::")) << "listening on " << open.size();
  EXPECT_NE(readFile(sup.pgdata() / "pg_hba.conf").find("\nhost all all all scram-sha-256\n"),
            std::string::npos);
  EXPECT_NE((sup.output() + sup.postgresLog()).find("added `host all all all scram-sha-256`"),
            std::string::npos)
      << sup.output();
  if (!remote.empty()) {
    auto far = connectOver(sup, remote);
    EXPECT_TRUE(far->ok()) << far->error();
    auto wrong = std::make_unique<Pg>(remote, sup.pgPort(), "postgres", "postgres", "wrong");
    EXPECT_NE(wrong->error().find("password authentication failed"), std::string::npos)
        << wrong->error();
  }
}

// ------------------------------------------------------------------------------ pgBackRest's
// folders

// PGBACKREST_LOCK_PATH, _LOG_PATH and _SPOOL_PATH inside a root-owned folder the postgres user
// cannot create anything in: prepared at start, so stanza-create, check, the first backup and
// archiving all work, and pgBackRest's files land there.
TEST(PlainHost, PgbackrestFoldersInARootOwnedParentArePreparedForPostgres) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const fs::path custom = dir.path() / "custom";  // like /var/lib/custom: root's, 0755
  fs::create_directories(custom);
  fs::permissions(custom, fs::perms(0755));
  const fs::path lock = custom / "lock";
  const fs::path log = custom / "log" / "pgbackrest";  // a missing parent too
  const fs::path spool = custom / "spool";
  auto env = kQuickInitdb;
  env["PGBACKREST_LOCK_PATH"] = lock.string();
  env["PGBACKREST_LOG_PATH"] = log.string();
  env["PGBACKREST_SPOOL_PATH"] = spool.string();
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());

  // The start-up jobs: stanza-create, check (which waits for a WAL segment to be archived) and
  // the first full backup.
  const Json jobs = sup.get("/api/v1/jobs?limit=100").json()["jobs"];
  std::set<std::string> succeeded;
  for (const auto& job : jobs) {
    if (job.value("state", "") == "succeeded") succeeded.insert(job.value("kind", ""));
  }
  for (const std::string kind : {"stanza-create", "check", "backup"})
    EXPECT_TRUE(succeeded.count(kind)) << kind << " did not succeed: " << jobs.dump();

  // Archiving through archive-push, as Postgres runs it.
  auto pg = sup.connect();
  ASSERT_TRUE(pg->ok()) << pg->error();
  const std::string before = pg->value("select archived_count from pg_stat_archiver");
  ASSERT_TRUE(pg->exec("create table it_folders(x int); insert into it_folders values (1)"));
  pg->value("select pg_switch_wal()");
  EXPECT_TRUE(eventually(
      [&] {
        return std::stoi(pg->value("select archived_count from pg_stat_archiver")) >
               std::stoi(before);
      },
      60s))
      << sup.postgresLog();
  EXPECT_EQ(pg->value("select failed_count from pg_stat_archiver"), "0") << sup.postgresLog();

  // The folders are the postgres user's, the parent stays root's, and pgBackRest used them.
  const passwd* postgres = ::getpwnam("postgres");
  ASSERT_NE(postgres, nullptr);
  for (const fs::path& folder : {lock, log, spool}) {
    struct stat st {};
    ASSERT_EQ(::stat(folder.c_str(), &st), 0) << folder;
    EXPECT_EQ(st.st_uid, postgres->pw_uid) << folder;
  }
  struct stat parent {};
  ASSERT_EQ(::stat(custom.c_str(), &parent), 0);
  EXPECT_EQ(parent.st_uid, 0u);
  EXPECT_TRUE(fs::exists(log / "main-stanza-create.log"));
  EXPECT_TRUE(fs::exists(spool / "archive" / "main"));
  EXPECT_EQ(sup.postgresLog().find("Permission denied"), std::string::npos) << sup.postgresLog();
}

// A folder the postgres user cannot reach (its parent is root's, mode 0700) stops start-up with
// one line naming the variable, before anything is started.
TEST(PlainHost, AnUnreachablePgbackrestFolderStopsStartUpNamingTheVariable) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  const fs::path closed = dir.path() / "closed";
  fs::create_directories(closed);
  fs::permissions(closed, fs::perms(0700));
  const fs::path lock = closed / "lock";
  auto env = kQuickInitdb;
  env["PGBACKREST_LOCK_PATH"] = lock.string();
  SupervisorUnderTest sup(dir.path(), env);
  sup.start();
  ASSERT_EQ(sup.waitExit(30s), 2) << sup.output();
  const std::string out = sup.output();
  EXPECT_EQ(out, "pgbr-supervisor: error: PGBACKREST_LOCK_PATH=" + lock.string() +
                     ": postgres cannot write there (Permission denied); make the folder and the "
                     "folders above it reachable and writable for postgres, or point "
                     "PGBACKREST_LOCK_PATH at another folder\n");
  EXPECT_FALSE(fs::exists(sup.pgdata() / "PG_VERSION"));
}

}  // namespace
}  // namespace pgbr::it
