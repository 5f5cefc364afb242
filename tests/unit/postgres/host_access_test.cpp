// Who may reach Postgres over TCP: which listen addresses reach beyond this machine, which
// pg_hba.conf rules admit other hosts, and when the rule for other hosts is appended.
#include "supervisor/postgres/host_access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackAddress, OnlyThisMachinesLoopback) {
  for (const char* address : {"localhost", "127.0.0.1", "127.0.0.1/32", "127.0.0.0/8", "127.1.2.3",
                              "::1", "::1/128", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(isLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"all", "samehost", "samenet", "0.0.0.0/0", "0.0.0.0", "::", "::/0", "10.0.0.0/8",
        "127.0.0.0/7", "127.0.0.1/x", "::1/64", "db.example", ".example.com", "*", ""}) {
    EXPECT_FALSE(isLoopbackAddress(address)) << address;
  }
}

TEST(ListensBeyondLoopback, AnyEntryOffThisMachineCounts) {
  EXPECT_FALSE(listensBeyondLoopback(""));  // the Unix socket only
  EXPECT_FALSE(listensBeyondLoopback("localhost"));
  EXPECT_FALSE(listensBeyondLoopback("127.0.0.1, ::1"));
  EXPECT_TRUE(listensBeyondLoopback("*"));
  EXPECT_TRUE(listensBeyondLoopback("0.0.0.0"));
  EXPECT_TRUE(listensBeyondLoopback("::"));
  EXPECT_TRUE(listensBeyondLoopback("localhost,10.1.2.3"));
  EXPECT_TRUE(listensBeyondLoopback("db.internal"));
}

TEST(HbaAdmitsOtherHosts, ReadsTheAddressOfEveryHostRule) {
  // initdb's own rules: this machine only.
  const std::string initdb =
      "# comment host all all all trust\n"
      "local   all             all                                     trust\n"
      "host    all             all             127.0.0.1/32            trust\n"
      "host    all             all             ::1/128                 trust\n"
      "local   replication     all                                     trust\n"
      "host    replication     all             127.0.0.1/32            trust\n"
      "host    replication     all             ::1/128                 trust\n";
  EXPECT_FALSE(hbaAdmitsOtherHosts(initdb));
  EXPECT_FALSE(hbaAdmitsOtherHosts(initdb + "host all all 127.0.0.1 255.255.255.255 md5\n"));
  EXPECT_FALSE(hbaAdmitsOtherHosts(initdb + "host all all localhost md5\n"));
  EXPECT_FALSE(hbaAdmitsOtherHosts(initdb + "#host all all all md5\n"));
  EXPECT_TRUE(hbaAdmitsOtherHosts(initdb + "host all all all scram-sha-256\n"));
  EXPECT_TRUE(hbaAdmitsOtherHosts(initdb + "hostssl all all 10.0.0.0/8 scram-sha-256\n"));
  EXPECT_TRUE(hbaAdmitsOtherHosts(initdb + "hostnossl all all samenet reject\n"));
  EXPECT_TRUE(hbaAdmitsOtherHosts(initdb + "host all all 127.0.0.1 0.0.0.0 md5\n"));
  EXPECT_TRUE(hbaAdmitsOtherHosts("\thostgssenc\tall\tall\t0.0.0.0/0\tgss"));
}

TEST(HbaEntry, AppendsTheMethod) {
  EXPECT_EQ(hbaEntry("scram-sha-256"), "\nhost all all all scram-sha-256\n");
  EXPECT_THAT(hbaEntry("trust"), HasSubstr("#"));
  // The note for a data directory that listens locally is a comment: no rule.
  const std::string note = localOnlyHbaNote("md5");
  EXPECT_THAT(note, HasSubstr("PGBR_PG_LISTEN"));
  EXPECT_FALSE(hbaAdmitsOtherHosts(note));
}

TEST(AdmitOtherHostsWhenListening, AppendsOnlyWhenNeeded) {
  testing::TempDir dir;
  const auto hba = dir.write("pg_hba.conf", "local all all trust\n");
  EXPECT_FALSE(admitOtherHostsWhenListening(dir.path(), "localhost", "md5").added);
  EXPECT_EQ(testing::TempDir::read(hba), "local all all trust\n");

  HbaUpdate update = admitOtherHostsWhenListening(dir.path(), "*", "md5");
  EXPECT_TRUE(update.added);
  EXPECT_EQ(update.error, "");
  EXPECT_EQ(testing::TempDir::read(hba), "local all all trust\n\nhost all all all md5\n");
  EXPECT_FALSE(admitOtherHostsWhenListening(dir.path(), "*", "md5").added);

  testing::TempDir empty;  // no pg_hba.conf: left to Postgres
  update = admitOtherHostsWhenListening(empty.path(), "*", "md5");
  EXPECT_FALSE(update.added);
  EXPECT_EQ(update.error, "");
  EXPECT_FALSE(std::filesystem::exists(empty.path() / "pg_hba.conf"));
}

}  // namespace
}  // namespace pgbr
