// Connection settings reach libpq as keyword/value pairs, never as conninfo text, and errors
// come back as one lowercase line.
#include "supervisor/postgres/pg_connection.h"

#include <chrono>

#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

std::string valueOf(const ConnKeywords& kv, const std::string& key) {
  for (size_t i = 0; i < kv.keywords.size(); ++i) {
    if (kv.keywords[i] == key) return kv.values[i];
  }
  return "<absent>";
}

TEST(ConnKeywords, CarriesEveryParameterAsOneValue) {
  ConnParams params;
  params.socket_dir = "/run/my sockets";
  params.port = 5433;
  params.user = "o'brien";
  params.dbname = "host=evil dbname=x";  // stays a database name
  params.connect_timeout_s = 3;
  params.password = "p a's\\s";
  params.statement_timeout_ms = 2500;
  ConnKeywords kv = connKeywords(params);
  ASSERT_EQ(kv.keywords.size(), kv.values.size());
  EXPECT_EQ(valueOf(kv, "host"), "/run/my sockets");
  EXPECT_EQ(valueOf(kv, "port"), "5433");
  EXPECT_EQ(valueOf(kv, "user"), "o'brien");
  EXPECT_EQ(valueOf(kv, "dbname"), "host=evil dbname=x");
  EXPECT_EQ(valueOf(kv, "connect_timeout"), "3");
  EXPECT_EQ(valueOf(kv, "password"), "p a's\\s");
  EXPECT_EQ(valueOf(kv, "application_name"), "pgbr-supervisor");
  EXPECT_EQ(valueOf(kv, "options"), "-c statement_timeout=2500");
}

TEST(ConnKeywords, LeavesOutWhatIsNotSet) {
  ConnParams params;
  params.connect_timeout_s = 0;
  ConnKeywords kv = connKeywords(params);
  EXPECT_EQ(valueOf(kv, "password"), "<absent>");
  EXPECT_EQ(valueOf(kv, "connect_timeout"), "<absent>");
  EXPECT_EQ(valueOf(kv, "options"), "<absent>");
}

TEST(ConnKeywords, NoSocketDirectoryMeansTcpToLocalhost) {
  ConnParams params;
  params.socket_dir = "";
  EXPECT_EQ(valueOf(connKeywords(params), "host"), "localhost");
}

TEST(DescribeConn, NeverShowsThePassword) {
  ConnParams params;
  params.socket_dir = "/var/run/postgresql";
  params.password = "hunter2";
  params.dbname = "app";
  const std::string text = describeConn(params);
  EXPECT_EQ(text, "socket /var/run/postgresql port 5432 user postgres database app");
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(CleanPgError, OneLowercaseLine) {
  EXPECT_EQ(cleanPgError("connection to server on socket \"/x/.s.PGSQL.5432\" failed: No such "
                         "file or directory\n\tIs the server running locally?\n"),
            "connection to server on socket \"/x/.s.PGSQL.5432\" failed: No such file or "
            "directory Is the server running locally?");
  EXPECT_EQ(cleanPgError("ERROR:  relation \"t\" does not exist\nLINE 1: select * from t\n"),
            "relation \"t\" does not exist LINE 1: select * from t");
  EXPECT_EQ(cleanPgError("FATAL:  Password authentication failed"),
            "password authentication failed");
  EXPECT_EQ(cleanPgError("\n"), "unknown libpq error");
}

TEST(PingReady, AnswersQuicklyWhenNothingListens) {
  testing::TempDir dir;
  ConnParams params;
  params.socket_dir = dir.path().string();
  params.port = 5999;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(pingReady(params));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(QueryHelpers, WithoutAConnectionReportAnError) {
  EXPECT_EQ(queryRows(nullptr, "select 1").error, "not connected to postgres");
  EXPECT_EQ(queryValue(nullptr, "select 1").error, "not connected to postgres");
  EXPECT_EQ(execStatement(nullptr, "select 1"), "not connected to postgres");
  EXPECT_FALSE(quoteIdentifier(nullptr, "x"));
}

}  // namespace
}  // namespace pgbr
