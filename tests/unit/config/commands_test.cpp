// The command line: which command runs, what reaches postgres verbatim, and what is read from
// the postgres arguments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pgbr_version.h"
#include "supervisor/config/help.h"
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using CommandTest = ConfigFixture;

TEST_F(CommandTest, NoCommandMeansPostgres) {
  const Invocation invocation = load();
  EXPECT_EQ(invocation.command, Command::kRun);
  EXPECT_THAT(invocation.settings.postgres_args, IsEmpty());
}

TEST_F(CommandTest, PostgresArgumentsPassThroughVerbatim) {
  const Invocation invocation =
      load({"--stanza=s", "postgres", "-c", "shared_buffers=256MB", "--stanza=x", "-h", "*"});
  EXPECT_EQ(invocation.command, Command::kRun);
  EXPECT_EQ(invocation.settings.stanza, "s") << "flags after postgres belong to postgres";
  EXPECT_THAT(invocation.settings.postgres_args,
              ElementsAre("-c", "shared_buffers=256MB", "--stanza=x", "-h", "*"));
}

TEST_F(CommandTest, LeadingDashArgumentsArePostgresArgumentsLikeTheStockEntrypoint) {
  const Invocation invocation = load({"-c", "max_connections=200"});
  EXPECT_EQ(invocation.command, Command::kRun);
  EXPECT_THAT(invocation.settings.postgres_args, ElementsAre("-c", "max_connections=200"));
}

TEST_F(CommandTest, DoubleDashEndsFlags) {
  const Invocation invocation = load({"--", "postgres", "-p", "6000"});
  EXPECT_THAT(invocation.settings.postgres_args, ElementsAre("-p", "6000"));
  EXPECT_EQ(load({"--", "--stanza"}).settings.postgres_args, std::vector<std::string>{"--stanza"});
}

TEST_F(CommandTest, Healthcheck) {
  env.set("PGBR_API_LISTEN", "0.0.0.0:5000");
  const Invocation invocation = load({"healthcheck"});
  EXPECT_EQ(invocation.command, Command::kHealthcheck);
  EXPECT_EQ(invocation.settings.api_listen, "0.0.0.0:5000");
  EXPECT_EQ(error({"healthcheck", "now"}),
            "healthcheck takes no arguments, got \"now\"; put flags such as --api-listen before "
            "or after it");
}

TEST_F(CommandTest, HealthcheckValidatesLikeARun) {
  env.set("PGBR_API_LISTEN", "nowhere");
  EXPECT_FALSE(error({"healthcheck"}).empty());
}

TEST_F(CommandTest, RestorePointTakesOneNameAndFlagsAround) {
  const Invocation invocation =
      load({"--state-dir", "/var/lib/x", "restore-point", "before-deploy-42", "--stanza=s"});
  EXPECT_EQ(invocation.command, Command::kRestorePoint);
  EXPECT_EQ(invocation.restore_point, "before-deploy-42");
  EXPECT_EQ(invocation.settings.state_dir, "/var/lib/x");
  EXPECT_EQ(invocation.settings.stanza, "s");
  EXPECT_THAT(invocation.settings.postgres_args, IsEmpty()) << "the name is no postgres argument";
  EXPECT_EQ(error({"restore-point"}),
            "restore-point needs a name: pgbr-supervisor restore-point NAME, for example "
            "before-deploy-42");
  EXPECT_EQ(error({"restore-point", "a", "b"}),
            "restore-point takes one name, got a second argument \"b\"; put flags such as "
            "--state-dir before or after it");
}

TEST_F(CommandTest, OtherCommandsAreExecutedAsIs) {
  const Invocation invocation = load({"bash", "-c", "echo hi", "--stanza=x"});
  EXPECT_EQ(invocation.command, Command::kExec);
  EXPECT_THAT(invocation.exec_argv, ElementsAre("bash", "-c", "echo hi", "--stanza=x"));
  EXPECT_EQ(invocation.settings.stanza, "main");
}

TEST_F(CommandTest, ExecDoesNotReadTheEnvironment) {
  // A broken setting must not keep `docker run IMAGE bash` from opening the shell to fix it.
  env.set("PGBR_LOG_KEEP", "lots");
  env.set("PGBR_TYPO", "1");
  env.set("POSTGRES_PASSWORD_FILE", "/missing");
  const Invocation invocation = load({"bash"});
  EXPECT_EQ(invocation.command, Command::kExec);
  EXPECT_EQ(invocation.settings.log_keep, 3);
  EXPECT_EQ(error(),
            "unknown setting PGBR_TYPO; remove it or fix its name "
            "(pgbr-supervisor --help lists every PGBR_ variable)")
      << "the same environment stops a run";
}

TEST_F(CommandTest, HelpAndVersion) {
  env.set("PGBR_LOG_KEEP", "lots");  // help must work while the configuration is broken
  EXPECT_EQ(load({"--help"}).command, Command::kHelp);
  EXPECT_EQ(load({"-h"}).command, Command::kHelp);
  EXPECT_EQ(load({"--stanza=x", "--help"}).command, Command::kHelp);
  EXPECT_EQ(load({"healthcheck", "--help"}).command, Command::kHelp);
  EXPECT_EQ(load({"--version"}).command, Command::kVersion);
  env.unset("PGBR_LOG_KEEP");
  EXPECT_EQ(load({"postgres", "--help"}).command, Command::kRun) << "postgres' own --help";
  EXPECT_THAT(load({"postgres", "--help"}).settings.postgres_args, ElementsAre("--help"));
}

TEST(VersionTest, NamesTheProgramAndVersion) {
  EXPECT_EQ(versionText(), std::string("pgbr-supervisor ") + PGBR_VERSION);
}

// --- port and socket directory from the postgres arguments -------------------------------------

TEST_F(CommandTest, PortFromPostgresArgumentsBeatsPgport) {
  env.set("PGPORT", "6000");
  EXPECT_EQ(settings().pg_port, 6000);
  EXPECT_EQ(settings({"postgres", "-p", "6001"}).pg_port, 6001);
  EXPECT_EQ(settings({"postgres", "-p6002"}).pg_port, 6002);
  EXPECT_EQ(settings({"postgres", "-c", "port=6003"}).pg_port, 6003);
  EXPECT_EQ(settings({"postgres", "-cport=6004"}).pg_port, 6004);
  EXPECT_EQ(settings({"postgres", "--port=6005"}).pg_port, 6005);
  EXPECT_EQ(settings({"-c", "port=6006"}).pg_port, 6006);
  EXPECT_EQ(settings({"postgres", "-p", "6007"}).sources.at("PGPORT"), "postgres args");
  EXPECT_EQ(settings().sources.at("PGPORT"), "env");
}

// PGBR_PG_LISTEN accepts Postgres' own list; an empty value is the Unix socket only, and -h or
// -c listen_addresses= among the postgres arguments win, as -p wins over PGPORT.
TEST_F(CommandTest, ListenAddressesFromPgbrPgListenOrPostgresArguments) {
  EXPECT_EQ(settings().pg_listen, "localhost");
  env.set("PGBR_PG_LISTEN", "10.0.0.5, ::1,db-host.internal");
  EXPECT_EQ(settings().pg_listen, "10.0.0.5, ::1,db-host.internal");
  EXPECT_EQ(settings().sources.at("PGBR_PG_LISTEN"), "env");
  env.set("PGBR_PG_LISTEN", "");
  EXPECT_EQ(settings().pg_listen, "");
  EXPECT_EQ(settings({"--pg-listen=*"}).pg_listen, "*");
  EXPECT_EQ(settings({"--pg-listen=*"}).sources.at("PGBR_PG_LISTEN"), "flag");
  EXPECT_EQ(settings({"postgres", "-h", "0.0.0.0"}).pg_listen, "0.0.0.0");
  EXPECT_EQ(settings({"postgres", "-c", "listen_addresses=*"}).pg_listen, "*");
  EXPECT_EQ(settings({"--pg-listen=*", "postgres", "--listen-addresses="}).pg_listen, "");
  EXPECT_EQ(settings({"postgres", "-c", "listen_addresses=*"}).sources.at("PGBR_PG_LISTEN"),
            "postgres args");
}

TEST_F(CommandTest, SocketDirFromPostgresArguments) {
  EXPECT_EQ(settings({"postgres", "-k", "/tmp"}).pg_socket_dir, "/tmp");
  EXPECT_EQ(settings({"postgres", "-c", "unix_socket_directories=/a, /b"}).pg_socket_dir, "/a");
  EXPECT_EQ(settings({"postgres", "-c", "unix_socket_directories="}).pg_socket_dir, "");
}

TEST_F(CommandTest, BadPortInPostgresArguments) {
  EXPECT_EQ(error({"postgres", "-p", "abc"}),
            "postgres argument \"-p abc\": the port must be a number from 1 to 65535");
  EXPECT_EQ(error({"postgres", "-c", "port=0"}),
            "postgres argument \"-c port=0\": the port must be a number from 1 to 65535");
}

}  // namespace
}  // namespace pgbr::testing
