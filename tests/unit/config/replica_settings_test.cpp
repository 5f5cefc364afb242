// PGBR_STANDBY_PRIMARY: the forms of the primary's address, what a standby needs beside it, and
// the mistakes refused at start with one line.
#include "supervisor/config/replica_settings.h"

#include <gmock/gmock.h>

#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;

struct StandbySettingsTest : ConfigFixture {
  StandbySettingsTest() {
    env.set("POSTGRES_REPLICATION_USER", "replicator");
    env.set("POSTGRES_REPLICATION_PASSWORD", "pw");
  }
};

TEST_F(StandbySettingsTest, APrimaryIsNotAStandby) {
  EXPECT_FALSE(isStandby(settings()));
}

TEST_F(StandbySettingsTest, TakesHostPortNamesAndBracketedIpv6) {
  const std::vector<std::tuple<std::string, std::string, int>> cases = {
      {"10.0.0.5:5433", "10.0.0.5", 5433},
      {"pgbr-primary-0.pgbr.db.svc.cluster.local:5432", "pgbr-primary-0.pgbr.db.svc.cluster.local",
       5432},
      {"primary", "primary", 5432},
      {"[fd00::1]:6543", "fd00::1", 6543},
      {"[fd00::2]", "fd00::2", 5432},
  };
  for (const auto& [value, host, port] : cases) {
    env.set("PGBR_STANDBY_PRIMARY", value);
    const Settings s = settings();
    EXPECT_TRUE(isStandby(s)) << value;
    EXPECT_EQ(s.bootstrap.standby_host, host) << value;
    EXPECT_EQ(s.bootstrap.standby_port, port) << value;
  }
}

TEST_F(StandbySettingsTest, RefusesWhatIsNotAnAddress) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"primary:", "is not a number from 1 to 65535"},
      {"primary:99999", "is not a number from 1 to 65535"},
      {"primary:54x", "is not a number from 1 to 65535"},
      {":5432", "names no host"},
      {"fd00::1", "needs brackets"},
      {"[fd00::1", "no closing bracket"},
      {"[fd00::1]5432", "text after the bracket"},
      {"prim ary:5432", "is not a host name or address"},
      {"postgres://primary:5432", "is a URL"},
  };
  for (const auto& [value, expected] : cases) {
    env.set("PGBR_STANDBY_PRIMARY", value);
    EXPECT_THAT(error(), HasSubstr(expected)) << value;
    EXPECT_THAT(error(), HasSubstr("PGBR_STANDBY_PRIMARY")) << value;
  }
}

TEST_F(StandbySettingsTest, NeedsTheReplicationRole) {
  env = MapEnvironment();
  env.set("PGBR_STANDBY_PRIMARY", "primary:5432");
  EXPECT_THAT(error(), HasSubstr("needs POSTGRES_REPLICATION_USER"));
}

TEST_F(StandbySettingsTest, DoesNotGoWithABootstrapOfItsOwn) {
  env.set("PGBR_STANDBY_PRIMARY", "primary:5432");
  env.set("PGBR_BOOTSTRAP", "restore");
  EXPECT_THAT(error(), HasSubstr("do not go together"));
  env = MapEnvironment();
  env.set("POSTGRES_REPLICATION_USER", "replicator");
  env.set("POSTGRES_REPLICATION_PASSWORD", "pw");
  env.set("PGBR_STANDBY_PRIMARY", "primary:5432");
  env.set("PGBR_BOOTSTRAP_STANZA", "prod");
  EXPECT_THAT(error(), HasSubstr("do not go together"));
}

TEST_F(StandbySettingsTest, RefusesItsOwnPortOnThisMachine) {
  env.set("PGPORT", "5433");
  for (const std::string host : {"localhost", "127.0.0.1", "[::1]"}) {
    env.set("PGBR_STANDBY_PRIMARY", host + ":5433");
    EXPECT_THAT(error(), HasSubstr("is this server itself")) << host;
  }
  // Another port on this machine is another server (two on one host, as in tests).
  env.set("PGBR_STANDBY_PRIMARY", "127.0.0.1:5432");
  EXPECT_TRUE(isStandby(settings()));
}

}  // namespace
}  // namespace pgbr::testing
