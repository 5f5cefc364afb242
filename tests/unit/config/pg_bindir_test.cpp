// Which PostgreSQL the supervisor runs when PGBR_PG_BINDIR does not say.
#include "supervisor/config/pg_bindir.h"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PgBindir, InstalledMajorsAreFoldersWithAServerInNumericOrder) {
  testing::TempDir root;
  root.write("17/bin/postgres", "");
  root.write("9.6/bin/postgres", "");
  root.write("15/bin/postgres", "");
  root.write("16/bin/psql", "");           // a client only: no server
  root.write("current/bin/postgres", "");  // not a version
  root.write("README", "");
  EXPECT_THAT(installedPgMajors(root.path()), ElementsAre("9.6", "15", "17"));
  EXPECT_THAT(installedPgMajors(root.path() / "missing"), IsEmpty());
}

TEST(PgBindir, PgMajorWhenInstalledElseTheNewestElseTheFallback) {
  const std::vector<std::string> both = {"15", "17"};
  EXPECT_EQ(choosePgBindir("", "15", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(choosePgBindir("", "", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/17/bin");
  EXPECT_EQ(choosePgBindir("", "16", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/17/bin");
  EXPECT_EQ(choosePgBindir("", "17", {}, "/usr/lib/postgresql", "/fallback"), "/fallback");
}

TEST(PgBindir, TheDataDirectorysMajorWinsWhenItIsInstalled) {
  const std::vector<std::string> both = {"15", "17"};
  // A host with both: an existing 15 cluster runs on 15, whatever is newest or PG_MAJOR says.
  EXPECT_EQ(choosePgBindir("15", "", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(choosePgBindir("15", "17", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/15/bin");
  // The 17 image on a 15 volume: 15 is not there, so 17 runs and refuses the directory.
  EXPECT_EQ(choosePgBindir("15", "17", {"17"}, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/17/bin");
  EXPECT_EQ(choosePgBindir("14", "", both, "/usr/lib/postgresql", "/fallback"),
            "/usr/lib/postgresql/17/bin");
}

}  // namespace
}  // namespace pgbr
