// How `pgbr-supervisor restore-point` finds the running supervisor: the address it recorded in
// the state folder before the setting, a wildcard turned into loopback, the token from the
// setting or the generated file.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/local_client.h"
#include "tests/unit/temp_dir.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;

class LocalClient : public ::testing::Test {
 protected:
  LocalClient() {
    settings_.state_dir = dir_.path().string();
    settings_.api_listen = "127.0.0.1:5000";
  }
  std::optional<api::LocalApiTarget> target() { return api::localApiTarget(settings_, &error_); }

  TempDir dir_;
  Settings settings_;
  std::string error_;
};

TEST_F(LocalClient, RecordedAddressWinsAndWildcardsBecomeLoopback) {
  settings_.api_token = "0123456789abcdef-set";
  auto t = target();
  ASSERT_TRUE(t) << error_;
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 5000);
  EXPECT_EQ(t->address_from, "PGBR_API_LISTEN");
  EXPECT_EQ(t->token, "0123456789abcdef-set");

  ASSERT_EQ(api::recordApiAddress(settings_.state_dir, "0.0.0.0:0", 41234), "");
  EXPECT_EQ(TempDir::read(dir_.path() / "api-address"), "0.0.0.0:41234\n");
  t = target();
  ASSERT_TRUE(t) << error_;
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 41234);
  EXPECT_EQ(t->address_from, (dir_.path() / "api-address").string());

  ASSERT_EQ(api::recordApiAddress(settings_.state_dir, "[::]:5000", 5000), "");
  EXPECT_EQ(TempDir::read(dir_.path() / "api-address"), "[::]:5000\n");
  t = target();
  ASSERT_TRUE(t) << error_;
  EXPECT_EQ(t->host, "::1");

  dir_.write("api-address", "nowhere\n");
  EXPECT_FALSE(target());
  EXPECT_THAT(error_, HasSubstr("api-address holds no usable address"));
}

TEST_F(LocalClient, TokenFromTheGeneratedFileOrNoneWithoutAuth) {
  EXPECT_FALSE(target());
  EXPECT_THAT(error_, HasSubstr("no api token"));
  EXPECT_THAT(error_, HasSubstr("set PGBR_API_TOKEN or PGBR_API_TOKEN_FILE"));

  dir_.write("api-token", "generated-token-0123456789\n");
  auto t = target();
  ASSERT_TRUE(t) << error_;
  EXPECT_EQ(t->token, "generated-token-0123456789");

  settings_.api_auth = AuthMode::kNone;
  t = target();
  ASSERT_TRUE(t) << error_;
  EXPECT_EQ(t->token, "");
}

TEST_F(LocalClient, CommandSaysWhereItLookedWhenNothingAnswers) {
  settings_.api_token = "0123456789abcdef-set";
  // A port nobody listens on: bound and closed by nobody; port 1 needs root to listen on.
  settings_.api_listen = "127.0.0.1:1";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(api::restorePointCommand(settings_, "x", out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(), HasSubstr("pgbr-supervisor: error: cannot reach the supervisor at "
                                   "127.0.0.1:1 (address from PGBR_API_LISTEN)"));
  EXPECT_THAT(err.str(), ::testing::Not(HasSubstr("0123456789abcdef-set")));
}

}  // namespace
}  // namespace pgbr::testing
