#include "supervisor/config/listen_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgbr {
namespace {

using ::testing::HasSubstr;

std::optional<ListenAddress> parse(std::string_view text) {
  std::string error;
  return parseListenAddress(text, &error);
}

std::string errorOf(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parseListenAddress(text, &error)) << text;
  return error;
}

TEST(ListenAddressTest, Accepted) {
  auto a = parse("127.0.0.1:5000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 5000);
  EXPECT_FALSE(a->ipv6);

  a = parse("[::]:1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::");
  EXPECT_EQ(a->port, 1);
  EXPECT_TRUE(a->ipv6);

  a = parse("[fe80::1]:65535");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "fe80::1");
  EXPECT_EQ(a->port, 65535);

  a = parse("localhost:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "localhost");
}

TEST(ListenAddressTest, Refused) {
  EXPECT_EQ(errorOf("5000"), "\"5000\" has no port; write host:port, e.g. 0.0.0.0:5000");
  EXPECT_EQ(errorOf("1.2.3.4:0"), "port \"0\" is not a number from 1 to 65535");
  EXPECT_EQ(errorOf("1.2.3.4:65536"), "port \"65536\" is not a number from 1 to 65535");
  EXPECT_EQ(errorOf("1.2.3.4:"), "port \"\" is not a number from 1 to 65535");
  EXPECT_EQ(errorOf("1.2.3.4:50a"), "port \"50a\" is not a number from 1 to 65535");
  EXPECT_EQ(errorOf("1.2.3.4:-1"), "port \"-1\" is not a number from 1 to 65535");
  EXPECT_EQ(errorOf("256.1.1.1:80"),
            "host \"256.1.1.1\" is not an IP address; use an IPv4 address, [IPv6] or "
            "localhost, e.g. 0.0.0.0:5000");
  EXPECT_EQ(errorOf("db.example.com:80"),
            "host \"db.example.com\" is not an IP address; use an IPv4 address, [IPv6] or "
            "localhost, e.g. 0.0.0.0:5000");
  EXPECT_EQ(errorOf(":80"),
            "the host is missing; use an IPv4 address, [IPv6] or localhost, e.g. 0.0.0.0:5000");
  EXPECT_EQ(errorOf("::1:80"), "IPv6 address \"::1\" needs brackets; write [::1]:80");
  EXPECT_THAT(errorOf("[1.2.3.4]:80"), HasSubstr("is not an IPv6 address"));
  EXPECT_THAT(errorOf("[]:80"), HasSubstr("is not an IPv6 address"));
}

TEST(ListenAddressTest, ConnectHostOfAWildcardIsLoopback) {
  EXPECT_EQ(connectHost(*parse("0.0.0.0:5000")), "127.0.0.1");
  EXPECT_EQ(connectHost(*parse("[::]:5000")), "::1");
  EXPECT_EQ(connectHost(*parse("10.0.0.5:5000")), "10.0.0.5");
  EXPECT_EQ(connectHost(*parse("localhost:5000")), "localhost");
}

}  // namespace
}  // namespace pgbr
