// A standby's settings: primary_conninfo names the password file and never holds the password;
// values with quotes and backslashes survive both quoting layers; the file is 0600.
#include "supervisor/replica/standby_conf.h"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

Settings standby() {
  Settings s;
  s.bootstrap.standby_host = "pgbr-primary-0.pgbr";
  s.bootstrap.standby_port = 5432;
  s.init.replication_user = "replicator";
  s.init.replication_password = "pa:ss\\word'";
  return s;
}

TEST(StandbyConf, PrimaryConninfoNamesThePasswordFile) {
  const std::string conf = renderStandbyConf(standby(), "/state/replication.pgpass", "standby-1");
  EXPECT_NE(conf.find("primary_conninfo = 'host=''pgbr-primary-0.pgbr'' port=5432 "
                      "user=''replicator'' passfile=''/state/replication.pgpass'' "
                      "application_name=''standby-1'' connect_timeout=10'\n"),
            std::string::npos)
      << conf;
  EXPECT_EQ(conf.find("pa:ss"), std::string::npos) << conf;
}

TEST(StandbyConf, QuotesEachLayer) {
  EXPECT_EQ(conninfoValue("it's a\\b"), "'it\\'s a\\\\b'");
  EXPECT_EQ(pgpassField("a:b\\c"), "a\\:b\\\\c");
  Settings s = standby();
  s.init.replication_user = "o'brien";
  // conninfo: 'o\'brien'; inside the settings file's single quotes each ' doubles.
  EXPECT_NE(renderStandbyConf(s, "", "x").find("user=''o\\''brien''"), std::string::npos)
      << renderStandbyConf(s, "", "x");
  EXPECT_EQ(renderStandbyConf(s, "", "x").find("passfile="), std::string::npos);
}

TEST(StandbyConf, AddressesInTheirWrittenForm) {
  Settings s = standby();
  EXPECT_EQ(primaryAddress(s), "pgbr-primary-0.pgbr:5432");
  s.bootstrap.standby_host = "fd00::1";
  EXPECT_EQ(primaryAddress(s), "[fd00::1]:5432");
}

TEST(StandbyConf, WritesThePasswordFileOwnerOnly) {
  testing::TempDir dir;
  Settings s = standby();
  s.state_dir = dir.path().string();
  std::string error;
  const std::string conf = standbyConf(s, &error);
  ASSERT_EQ(error, "");
  const auto file = dir.path() / "replication.pgpass";
  EXPECT_NE(conf.find(file.string()), std::string::npos) << conf;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "*:*:*:replicator:pa\\:ss\\\\word'");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  s.state_dir = (dir.path() / "missing").string();
  EXPECT_EQ(standbyConf(s, &error), "");
  EXPECT_NE(error.find("cannot write"), std::string::npos) << error;
}

}  // namespace
}  // namespace pgbr
