// The major-version check's parts: what PG_VERSION and `postgres --version` say, and the refusal.
// The refusal at a real start, with the data directory unchanged, runs in the container test
// (the PostgreSQL 17 image on a directory the 15 image made).
#include "supervisor/postgres/major_version.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using ::testing::HasSubstr;

TEST(MajorVersion, ReadFromPgVersion) {
  testing::TempDir root;
  EXPECT_EQ(dataDirectoryMajor(root.path()), "");  // no PG_VERSION
  root.write("PG_VERSION", "15\n");
  EXPECT_EQ(dataDirectoryMajor(root.path()), "15");
  root.write("PG_VERSION", "9.6\n");
  EXPECT_EQ(dataDirectoryMajor(root.path()), "9.6");
  root.write("PG_VERSION", "");
  EXPECT_EQ(dataDirectoryMajor(root.path()), "");
  root.write("PG_VERSION", "garbage\n");
  EXPECT_EQ(dataDirectoryMajor(root.path()), "");
  root.write("PG_VERSION", "17 and more\n");
  EXPECT_EQ(dataDirectoryMajor(root.path()), "");
  root.write("PG_VERSION", "123456789012345678901234567890\n");  // no overflow, just different
  EXPECT_EQ(dataDirectoryMajor(root.path()), "123456789012345678901234567890");
}

TEST(MajorVersion, ReadFromTheServersVersionLine) {
  EXPECT_EQ(serverMajorFromVersionLine("postgres (PostgreSQL) 17.12 (Debian 17.12-1.pgdg13+1)"),
            "17");
  EXPECT_EQ(serverMajorFromVersionLine("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"),
            "15");
  EXPECT_EQ(serverMajorFromVersionLine("postgres (PostgreSQL) 18beta1"), "18");
  EXPECT_EQ(serverMajorFromVersionLine("postgres (PostgreSQL) 9.6.24"), "9.6");
  EXPECT_EQ(serverMajorFromVersionLine("postgres: could not find the database system"), "");
  EXPECT_EQ(serverMajorFromVersionLine(""), "");
}

TEST(MajorVersion, RefusesOnlyAKnownDifference) {
  const std::string bin = "/usr/lib/postgresql/17/bin";
  EXPECT_EQ(majorVersionMismatch("/data", "15", "15", bin), "");
  EXPECT_EQ(majorVersionMismatch("/data", "", "17", bin), "");
  EXPECT_EQ(majorVersionMismatch("/data", "15", "", bin), "");
  const std::string refusal = majorVersionMismatch("/data", "15", "17", bin);
  EXPECT_THAT(refusal, HasSubstr("/data was made by PostgreSQL 15 and the PostgreSQL here is 17 "
                                 "(/usr/lib/postgresql/17/bin)"));
  EXPECT_THAT(refusal, HasSubstr("nothing in it was changed"));
  EXPECT_THAT(refusal,
              HasSubstr("Run PostgreSQL 15 on it again (the 15 image, or PGBR_PG_BINDIR)"));
  EXPECT_THAT(refusal, HasSubstr("pg_dumpall from 15, psql into 17 on a new data directory"));
  EXPECT_THAT(refusal, HasSubstr("Moving to another PostgreSQL major version"));
  EXPECT_EQ(refusal.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace pgbr
