// The restore drill's settings: PGBR_SCHEDULE_DRILL, PGBR_DRILL_AFTER_FULL and PGBR_DRILL_DIR,
// and the folders the scratch copy may never hold (its sub-folders are removed after a drill).
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using DrillSettingsTest = ConfigFixture;

TEST_F(DrillSettingsTest, Defaults) {
  const Settings s = settings();
  EXPECT_EQ(s.schedule_drill, "30 4 * * 0");
  EXPECT_FALSE(s.drill_after_full);
  EXPECT_EQ(s.drill_dir, "");
}

TEST_F(DrillSettingsTest, AfterFullReadsOnAndOffOnly) {
  for (const char* yes : {"on", "ON", "true", "1", "yes"}) {
    env.set("PGBR_DRILL_AFTER_FULL", yes);
    EXPECT_TRUE(settings().drill_after_full) << yes;
  }
  env.set("PGBR_DRILL_AFTER_FULL", "off");
  EXPECT_FALSE(settings().drill_after_full);
  env.set("PGBR_DRILL_AFTER_FULL", "sometimes");
  EXPECT_EQ(error(), "PGBR_DRILL_AFTER_FULL: \"sometimes\" is not on or off; set on or off");
}

TEST_F(DrillSettingsTest, EmptyScheduleDisablesABadOneStopsStartUp) {
  env.set("PGBR_SCHEDULE_DRILL", "");
  EXPECT_EQ(settings().schedule_drill, "");
  env.set("PGBR_SCHEDULE_DRILL", "61 * * * *");
  EXPECT_NE(error().find("PGBR_SCHEDULE_DRILL: minute field"), std::string::npos) << error();
}

TEST_F(DrillSettingsTest, DrillDirMustBeAPlainAbsolutePath) {
  env.set("PGBR_DRILL_DIR", "drill");
  EXPECT_NE(error().find("relative path"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/srv/drill dir");
  EXPECT_NE(error().find("plain path"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/srv/drill");
  EXPECT_EQ(settings().drill_dir, "/srv/drill");
}

TEST_F(DrillSettingsTest, DrillDirNeverHoldsOrSitsInTheLiveData) {
  env.set("PGDATA", "/var/lib/postgresql/data");
  env.set("PGBR_STATE_DIR", "/var/lib/pgbr-supervisor");
  env.set("PGBR_DRILL_DIR", "/var/lib/postgresql");
  EXPECT_NE(error().find("holds PGDATA"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/var/lib/postgresql/data/drill");
  EXPECT_NE(error().find("is inside PGDATA"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/var/lib");
  EXPECT_NE(error().find("holds PGDATA"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/var/lib/pgbr-supervisor");
  EXPECT_NE(error().find("holds PGBR_STATE_DIR"), std::string::npos) << error();
  env.set("PGBACKREST_REPO1_PATH", "/backups/repo");
  env.set("PGBR_DRILL_DIR", "/backups");
  EXPECT_NE(error().find("holds PGBACKREST_REPO1_PATH"), std::string::npos) << error();
  env.set("PGBR_DRILL_DIR", "/var/lib/pgbr-supervisor/scratch");  // inside the state folder: fine
  EXPECT_EQ(settings().drill_dir, "/var/lib/pgbr-supervisor/scratch");
}

}  // namespace
}  // namespace pgbr::testing
