// Reading the port and socket directory out of the arguments that pass through to postgres.
#include "supervisor/config/postgres_args.h"

#include <gtest/gtest.h>

#include "supervisor/common/errors.h"

namespace pgbr {
namespace {

std::optional<int> port(const std::vector<std::string>& args) {
  return scanPostgresArgs(args).port;
}

std::optional<std::string> socketDir(const std::vector<std::string>& args) {
  return scanPostgresArgs(args).socket_dir;
}

TEST(PostgresArgsTest, NothingSaid) {
  EXPECT_EQ(port({}), std::nullopt);
  EXPECT_EQ(socketDir({}), std::nullopt);
  EXPECT_EQ(port({"-c", "shared_buffers=1GB", "-B", "100"}), std::nullopt);
}

TEST(PostgresArgsTest, EverySpellingOfThePort) {
  EXPECT_EQ(port({"-p", "5433"}), 5433);
  EXPECT_EQ(port({"-p5434"}), 5434);
  EXPECT_EQ(port({"-c", "port=5435"}), 5435);
  EXPECT_EQ(port({"-cport=5436"}), 5436);
  EXPECT_EQ(port({"--port=5437"}), 5437);
  EXPECT_EQ(port({"-c", "PORT = 5438"}), std::nullopt)
      << "postgres refuses spaces around '=' in a name; so do we (no port read)";
  EXPECT_EQ(port({"-c", "PORT=5439"}), 5439) << "setting names are case-insensitive";
}

TEST(PostgresArgsTest, LaterOccurrenceWins) {
  EXPECT_EQ(port({"-p", "5433", "-c", "port=5434"}), 5434);
  EXPECT_EQ(port({"-c", "port=5434", "-p", "5433"}), 5433);
}

TEST(PostgresArgsTest, ValuesOfOtherOptionsAreNotMistakenForAPort) {
  EXPECT_EQ(port({"-D", "-p5"}), std::nullopt);
  EXPECT_EQ(port({"-C", "port"}), std::nullopt);
  EXPECT_EQ(port({"-h", "-p", "-p", "5440"}), 5440) << "-h takes '-p' as its host value";
  EXPECT_EQ(port({"-c", "listen_addresses=*", "-p", "5441"}), 5441);
}

TEST(PostgresArgsTest, SocketDirectories) {
  EXPECT_EQ(socketDir({"-k", "/tmp"}), "/tmp");
  EXPECT_EQ(socketDir({"-k/run/pg"}), "/run/pg");
  EXPECT_EQ(socketDir({"-c", "unix_socket_directories=/a,/b"}), "/a");
  EXPECT_EQ(socketDir({"-c", "unix_socket_directories= /a , /b"}), "/a");
  EXPECT_EQ(socketDir({"--unix-socket-directories=/c"}), "/c");
  EXPECT_EQ(socketDir({"-c", "unix_socket_directories=\"/with, comma\",/b"}), "/with, comma");
  EXPECT_EQ(socketDir({"-k", ""}), "") << "empty: no Unix socket at all";
}

TEST(PostgresArgsTest, MissingValueIsLeftToPostgres) {
  EXPECT_EQ(port({"-p"}), std::nullopt);
  EXPECT_EQ(port({"-c"}), std::nullopt);
  EXPECT_EQ(port({"-c", "port"}), std::nullopt);
}

TEST(PostgresArgsTest, BadPortIsAConfigError) {
  EXPECT_THROW(scanPostgresArgs({"-p", "x"}), ConfigError);
  EXPECT_THROW(scanPostgresArgs({"-p", "65536"}), ConfigError);
  EXPECT_THROW(scanPostgresArgs({"--port=5432x"}), ConfigError);
  EXPECT_THROW(scanPostgresArgs({"-c", "port="}), ConfigError);
}

TEST(PostgresArgsTest, ListenAddressesFromEverySpelling) {
  EXPECT_EQ(scanPostgresArgs({}).listen_addresses, std::nullopt);
  EXPECT_EQ(scanPostgresArgs({"-h", "0.0.0.0"}).listen_addresses, "0.0.0.0");
  EXPECT_EQ(scanPostgresArgs({"-h*"}).listen_addresses, "*");
  EXPECT_EQ(scanPostgresArgs({"-c", "listen_addresses= localhost "}).listen_addresses, "localhost");
  EXPECT_EQ(scanPostgresArgs({"--listen-addresses=*", "-c", "listen_addresses="}).listen_addresses,
            "");
}

}  // namespace
}  // namespace pgbr
