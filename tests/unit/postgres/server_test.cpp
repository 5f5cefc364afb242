// The postmaster's command line and what Postgres leaves on disk about itself.
#include "supervisor/postgres/server.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_process_ops.h"

namespace pgbr {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

Settings baseSettings() {
  Settings settings;
  settings.pgdata = "/data";
  settings.pg_bindir = "/pg/bin";
  settings.pg_port = 5433;
  settings.pg_socket_dir = "/run/pg";
  return settings;
}

TEST(ArgsSet, RecognisesEveryFormOfPort) {
  EXPECT_TRUE(argsSetPort({"-p", "5433"}));
  EXPECT_TRUE(argsSetPort({"-p5433"}));
  EXPECT_TRUE(argsSetPort({"-c", "port=5433"}));
  EXPECT_TRUE(argsSetPort({"-cPort=5433"}));
  EXPECT_TRUE(argsSetPort({"--port=5433"}));
  EXPECT_FALSE(argsSetPort({"-c", "shared_buffers=1GB", "--max-connections=5"}));
  // The value of -c is not itself an option.
  EXPECT_FALSE(argsSetPort({"-c", "-p"}));
}

TEST(ArgsSet, RecognisesEveryFormOfSocketDirectories) {
  EXPECT_TRUE(argsSetSocketDir({"-k", "/tmp"}));
  EXPECT_TRUE(argsSetSocketDir({"-k/tmp"}));
  EXPECT_TRUE(argsSetSocketDir({"-c", "unix_socket_directories="}));
  EXPECT_TRUE(argsSetSocketDir({"--unix-socket-directories=/a,/b"}));
  EXPECT_FALSE(argsSetSocketDir({"-c", "unix_socket_permissions=0700"}));
}

TEST(PostmasterSpec, AddsPortAndSocketWhenTheArgumentsDoNot) {
  Settings settings = baseSettings();
  settings.postgres_args = {"-c", "shared_buffers=256MB"};
  SpawnSpec spec = postmasterSpec(settings, {"PATH=/bin"});
  EXPECT_THAT(spec.argv, ElementsAre("/pg/bin/postgres", "-D", "/data", "-c",
                                     "shared_buffers=256MB", "-p", "5433", "-k", "/run/pg"));
}

TEST(PostmasterSpec, PassesTheUsersArgumentsThroughUntouched) {
  Settings settings = baseSettings();
  settings.postgres_args = {"-c", "port=5433", "-c", "unix_socket_directories=/run/pg,/tmp"};
  SpawnSpec spec = postmasterSpec(settings, {});
  EXPECT_THAT(spec.argv, ElementsAre("/pg/bin/postgres", "-D", "/data", "-c", "port=5433", "-c",
                                     "unix_socket_directories=/run/pg,/tmp"));
}

TEST(PostmasterSpec, NoSocketWhenTheUserAskedForNone) {
  Settings settings = baseSettings();
  settings.pg_socket_dir = "";
  settings.postgres_args = {"-c", "unix_socket_directories="};
  SpawnSpec spec = postmasterSpec(settings, {});
  EXPECT_THAT(spec.argv, Not(Contains("-k")));
}

TEST(PostmasterSpec, QuotesASocketDirectoryWithAComma) {
  Settings settings = baseSettings();
  settings.pg_socket_dir = "/run/a,b";
  SpawnSpec spec = postmasterSpec(settings, {});
  EXPECT_EQ(spec.argv.back(), "\"/run/a,b\"");
  EXPECT_EQ(socketDirectoriesValue("/plain"), "/plain");
  EXPECT_EQ(socketDirectoriesValue("/a \"b\""), "\"/a \"\"b\"\"\"");
}

TEST(PostmasterSpec, EnvironmentCarriesEveryPgbackrestVariable) {
  Settings settings = baseSettings();
  settings.pgbackrest_env = {{"PGBACKREST_REPO1_TYPE", "s3"},
                             {"PGBACKREST_REPO1_S3_KEY", "secret"}};
  SpawnSpec spec = postmasterSpec(settings, {"PATH=/bin", "PGBACKREST_REPO1_TYPE=posix"});
  EXPECT_THAT(spec.env, Contains("PATH=/bin"));
  EXPECT_THAT(spec.env, Contains("PGBACKREST_REPO1_TYPE=s3"));
  EXPECT_THAT(spec.env, Not(Contains("PGBACKREST_REPO1_TYPE=posix")));
  EXPECT_THAT(spec.env, Contains("PGBACKREST_REPO1_S3_KEY=secret"));
}

TEST(PgBinary, FallsBackToTheDefaultBindir) {
  Settings settings = baseSettings();
  EXPECT_EQ(pgBinary(settings, "psql"), "/pg/bin/psql");
  settings.pg_bindir = "";
  EXPECT_EQ(pgBinary(settings, "psql"), "/usr/lib/postgresql/15/bin/psql");
  EXPECT_EQ(postmasterSpec(settings, {}).argv.front(), "/usr/lib/postgresql/15/bin/postgres");
}

TEST(PostmasterPid, ParsesARunningServersFile) {
  auto pid = parsePostmasterPid(
      "4242\n/var/lib/postgresql/data\n1767261600\n5432\n/var/run/postgresql\n*\n  5432001  "
      "    1\nready   \n");
  ASSERT_TRUE(pid);
  EXPECT_EQ(pid->pid, 4242);
  EXPECT_EQ(pid->data_dir, "/var/lib/postgresql/data");
  EXPECT_EQ(pid->start_epoch, 1767261600);
  EXPECT_EQ(pid->port, 5432);
  EXPECT_EQ(pid->socket_dir, "/var/run/postgresql");
  EXPECT_EQ(pid->listen_address, "*");
  EXPECT_EQ(pid->status, "ready");
}

TEST(PostmasterPid, PartialAndBrokenFiles) {
  auto starting = parsePostmasterPid("4242\n/data\n");
  ASSERT_TRUE(starting);
  EXPECT_EQ(starting->status, "");
  EXPECT_FALSE(parsePostmasterPid(""));
  EXPECT_FALSE(parsePostmasterPid("abc\n"));
  EXPECT_FALSE(parsePostmasterPid("-1\n"));
  EXPECT_FALSE(readPostmasterPidState("/nonexistent/pgdata"));
}

TEST(PostmasterPid, ReadyOnlyWhenTheFileOfThatPostmasterSaysReady) {
  const auto file = [](std::string_view status) {
    return parsePostmasterPid("4242\n/data\n1767261600\n5432\n/run\n*\n  5432001  1\n" +
                              std::string(status) + "\n");
  };
  EXPECT_TRUE(postmasterReady(file("ready   "), 4242));
  EXPECT_FALSE(postmasterReady(file("starting"), 4242));
  EXPECT_FALSE(postmasterReady(file("stopping"), 4242));
  EXPECT_FALSE(postmasterReady(file("standby "), 4242)) << "no connections without hot_standby";
  EXPECT_FALSE(postmasterReady(parsePostmasterPid("4242\n/data\n"), 4242)) << "not written yet";
  // Left behind by a postmaster killed with SIGKILL: another pid, and it says "ready".
  EXPECT_FALSE(postmasterReady(file("ready   "), 4343));
  EXPECT_FALSE(postmasterReady(file("ready   "), 0));
  EXPECT_FALSE(postmasterReady(std::nullopt, 4242));
}

TEST(ClusterState, ParsesPgControldata) {
  const std::string output =
      "pg_control version number:            1300\n"
      "Catalog version number:               202209061\n"
      "Database system identifier:           7301234567890123456\n"
      "Database cluster state:               shut down\n"
      "pg_control last modified:             Thu 01 Jan 2026 10:00:00 AM UTC\n";
  EXPECT_EQ(parseClusterState(output), "shut down");
  EXPECT_EQ(parseClusterState("Database cluster state:   in production"), "in production");
  EXPECT_FALSE(parseClusterState("nothing here\n"));
  EXPECT_TRUE(isCleanShutdownState("shut down"));
  EXPECT_TRUE(isCleanShutdownState("shut down in recovery"));
  EXPECT_FALSE(isCleanShutdownState("in production"));
  EXPECT_FALSE(isCleanShutdownState("in crash recovery"));
}

TEST(ClusterState, ReadsThroughRunCommand) {
  testing::FakeProcessOps ops;
  Children children(ops);
  // No output pipe from the fake: the exit decides; the command's argv and environment are the
  // point here.
  std::thread reaper([&] {
    while (ops.spawnCount() == 0) std::this_thread::yield();
    ops.finish(ops.lastPid(), ExitStatus::exitedWith(1));
    children.reapAndDispatch();
  });
  ClusterState state = readClusterState(children, baseSettings(), {"LC_ALL=de_DE.UTF-8"});
  reaper.join();
  ASSERT_EQ(ops.spawned().size(), 1u);
  EXPECT_THAT(ops.spawned()[0].argv, ElementsAre("/pg/bin/pg_controldata", "-D", "/data"));
  EXPECT_THAT(ops.spawned()[0].env, Contains("LC_ALL=C"));
  EXPECT_THAT(ops.spawned()[0].env, Not(Contains("LC_ALL=de_DE.UTF-8")));
  EXPECT_FALSE(state.ok());
  EXPECT_EQ(state.error, "pg_controldata exited with code 1");
  EXPECT_FALSE(state.cleanShutdown());
}

}  // namespace
}  // namespace pgbr
