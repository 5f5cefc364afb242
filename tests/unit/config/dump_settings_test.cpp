// The logical dumps' settings: PGBR_SCHEDULE_DUMP, PGBR_DUMP_DATABASES and the retention.
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using DumpSettingsTest = ConfigFixture;

TEST_F(DumpSettingsTest, Defaults) {
  const Settings s = settings();
  EXPECT_EQ(s.schedule_dump, "30 2 * * *");
  EXPECT_TRUE(s.dump_databases.empty());
  EXPECT_EQ(s.dump_retention, 7);
  EXPECT_EQ(s.dump_retention_days, 0);
}

TEST_F(DumpSettingsTest, DatabasesAreACommaSeparatedList) {
  env.set("PGBR_DUMP_DATABASES", "app, Sales EU ,été");
  EXPECT_EQ(settings().dump_databases, (std::vector<std::string>{"app", "Sales EU", "été"}));
  env.set("PGBR_DUMP_DATABASES", "");
  EXPECT_TRUE(settings().dump_databases.empty());
  env.set("PGBR_DUMP_DATABASES", "app,,b");
  EXPECT_NE(error().find("PGBR_DUMP_DATABASES: \"app,,b\" has an empty name"), std::string::npos)
      << error();
  env.set("PGBR_DUMP_DATABASES", std::string(64, 'x'));
  EXPECT_NE(error().find("longer than a database name"), std::string::npos) << error();
}

TEST_F(DumpSettingsTest, RetentionIsAWholeNumberAndABadScheduleStopsStartUp) {
  env.set("PGBR_DUMP_RETENTION", "0");
  EXPECT_EQ(settings().dump_retention, 0);
  env.set("PGBR_DUMP_RETENTION", "-1");
  EXPECT_NE(error().find("PGBR_DUMP_RETENTION"), std::string::npos) << error();
  env.set("PGBR_DUMP_RETENTION", "2");
  env.set("PGBR_DUMP_RETENTION_DAYS", "ten");
  EXPECT_NE(error().find("PGBR_DUMP_RETENTION_DAYS"), std::string::npos) << error();
  env.set("PGBR_DUMP_RETENTION_DAYS", "10");
  env.set("PGBR_SCHEDULE_DUMP", "0 25 * * *");
  EXPECT_NE(error().find("PGBR_SCHEDULE_DUMP: hour field"), std::string::npos) << error();
  env.set("PGBR_SCHEDULE_DUMP", "");
  EXPECT_EQ(settings().schedule_dump, "");
}

}  // namespace
}  // namespace pgbr::testing
