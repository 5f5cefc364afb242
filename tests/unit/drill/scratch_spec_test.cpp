// The scratch cluster's command lines (supervisor/drill/scratch_cluster.h): the restore never
// targets the live data directory or the live tablespaces, the copy never listens where the live
// cluster does and never archives.
#include <algorithm>

#include <gtest/gtest.h>

#include "supervisor/drill/scratch_cluster.h"

namespace pgbr {
namespace {

bool has(const std::vector<std::string>& argv, const std::string& element) {
  return std::find(argv.begin(), argv.end(), element) != argv.end();
}

Settings settings() {
  Settings s;
  s.pgdata = "/var/lib/postgresql/data";
  s.pg_port = 5432;
  s.stanza = "main";
  s.pgbackrest_config = "/var/lib/pgbr-supervisor/pgbackrest.conf";
  return s;
}

const ScratchLayout kLayout{"/var/lib/pgbr-supervisor/drill"};

TEST(ScratchSpec, RestoreGoesIntoTheScratchFolderWithArchivingOff) {
  backrest::RestoreOptions what;
  what.type = "immediate";
  what.set = "20261122-101500F";
  std::string error;
  const auto argv =
      scratchRestoreArgv({"pgbackrest", "/c.conf", "main", {}}, kLayout, what, &error);
  ASSERT_TRUE(argv) << error;
  EXPECT_TRUE(has(*argv, "--pg1-path=/var/lib/pgbr-supervisor/drill/data"));
  EXPECT_TRUE(has(*argv, "--tablespace-map-all=/var/lib/pgbr-supervisor/drill/tblspc"));
  EXPECT_TRUE(has(*argv, "--archive-mode=off"));
  // Never the live spool: a restore empties the spool folder it is given.
  EXPECT_TRUE(has(*argv, "--spool-path=/var/lib/pgbr-supervisor/drill/spool"));
  EXPECT_TRUE(has(*argv, "--type=immediate"));
  EXPECT_TRUE(has(*argv, "--target-action=promote"));
  EXPECT_TRUE(has(*argv, "--set=20261122-101500F"));
  EXPECT_FALSE(has(*argv, "--delta"));
  EXPECT_EQ(argv->back(), "restore");
}

TEST(ScratchSpec, RecoveryTargetsPassThroughAndAreValidated) {
  backrest::RestoreOptions what;
  what.type = "lsn";
  what.target = "0/3000028";
  what.target_action = "pause";
  std::string error;
  auto argv = scratchRestoreArgv({"pgbackrest", "", "main", {}}, kLayout, what, &error);
  ASSERT_TRUE(argv) << error;
  EXPECT_TRUE(has(*argv, "--type=lsn"));
  EXPECT_TRUE(has(*argv, "--target=0/3000028"));
  EXPECT_TRUE(has(*argv, "--target-action=pause"));
  what.target = "FF/0; rm -rf /";
  EXPECT_FALSE(scratchRestoreArgv({"pgbackrest", "", "main", {}}, kLayout, what, &error));
  EXPECT_NE(error.find("lsn"), std::string::npos);
}

TEST(ScratchSpec, TheCopyListensOnlyOnItsOwnSocketAndNeverArchives) {
  const auto argv = scratchPostmasterArgv(settings(), kLayout, 5433);
  EXPECT_EQ(argv[1], "-D");
  EXPECT_EQ(argv[2], "/var/lib/pgbr-supervisor/drill/data");
  for (const char* setting :
       {"data_directory=/var/lib/pgbr-supervisor/drill/data", "port=5433",
        "listen_addresses=", "unix_socket_directories=/var/lib/pgbr-supervisor/drill/sock",
        "archive_mode=off", "synchronous_standby_names=", "primary_conninfo=", "hot_standby=on"}) {
    EXPECT_TRUE(has(argv, setting)) << setting;
  }
  EXPECT_FALSE(has(argv, "port=5432"));
  for (const std::string& a : argv)
    EXPECT_EQ(a.find("/var/lib/postgresql/data"), std::string::npos);
}

TEST(ScratchSpec, RestoreCommandIsSynchronousAndReadsIntoTheCopy) {
  const auto argv = scratchPostmasterArgv(settings(), kLayout, 5433);
  const auto it = std::find_if(argv.begin(), argv.end(), [](const std::string& a) {
    return a.rfind("restore_command=", 0) == 0;
  });
  ASSERT_NE(it, argv.end());
  EXPECT_EQ(*it,
            "restore_command='pgbackrest' '--config=/var/lib/pgbr-supervisor/pgbackrest.conf' "
            "'--stanza=main' '--pg1-path=/var/lib/pgbr-supervisor/drill/data' "
            "--archive-async=n archive-get %f \"%p\"");
}

TEST(ScratchSpec, PortIsNeverTheLiveOne) {
  EXPECT_EQ(scratchPort(5432), 5433);
  EXPECT_EQ(scratchPort(65535), 65534);
}

TEST(ScratchSpec, LowPriorityKeepsTheCommandLast) {
  const auto argv = lowPriority({"pgbackrest", "restore"});
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[argv.size() - 2], "pgbackrest");
  if (argv.size() > 2) {
    EXPECT_TRUE(argv[0].ends_with("/nice") || argv[0].ends_with("/ionice")) << argv[0];
    EXPECT_TRUE(has(argv, "19") || has(argv, "7"));
  }
}

}  // namespace
}  // namespace pgbr
