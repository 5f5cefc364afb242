// Which folders pgBackRest is told to write to through its own variables.
#include "supervisor/config/backrest_folders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/common/errors.h"
#include "tests/unit/config/config_test_support.h"

namespace pgbr {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

TEST(BackrestFolders, TheLockLogAndSpoolVariablesOnly) {
  Settings settings;
  EXPECT_THAT(backrestFolders(settings), IsEmpty());
  settings.pgbackrest_env = {{"PGBACKREST_SPOOL_PATH", "/var/spool/pgb"},
                             {"PGBACKREST_LOCK_PATH", "/var/lib/custom/lock"},
                             {"PGBACKREST_LOG_PATH", ""},  // pgBackRest's configuration applies
                             {"PGBACKREST_REPO1_PATH", "/repo"},
                             {"PGBACKREST_PG1_PATH", "/data"}};
  const auto folders = backrestFolders(settings);
  EXPECT_THAT(folders, ElementsAre(Field(&NamedFolder::setting, "PGBACKREST_LOCK_PATH"),
                                   Field(&NamedFolder::setting, "PGBACKREST_SPOOL_PATH")));
  EXPECT_EQ(folders[0].path, "/var/lib/custom/lock");
  EXPECT_EQ(folders[1].path, "/var/spool/pgb");
}

using BackrestFoldersLoad = testing::ConfigFixture;

// Refused while the configuration loads, like every other bad setting (exit 2, nothing started).
TEST_F(BackrestFoldersLoad, ARelativePathStopsStartUpNamingTheVariable) {
  env.set("PGBACKREST_LOG_PATH", "log/pgbackrest");
  EXPECT_EQ(error(),
            "PGBACKREST_LOG_PATH: \"log/pgbackrest\" is a relative path; use an absolute path "
            "(pgbackrest runs from other directories)");
  env.set("PGBACKREST_LOG_PATH", "/var/log/pgbackrest");
  EXPECT_EQ(error(), "");
}

}  // namespace
}  // namespace pgbr
