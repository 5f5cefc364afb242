// The configuration dump never carries a secret: the values are looked for in the whole dumped
// JSON text, wherever a future field might put them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/config/redaction.h"
#include "supervisor/config/setting_table.h"
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::pair<std::string, std::string>> kSecrets = {
    {"POSTGRES_PASSWORD", "pw-Secret-1"},
    {"PGBR_API_TOKEN", "tok-Secret-2-abcdefgh"},
    {"PGBACKREST_REPO1_S3_KEY", "key-Secret-3"},
    {"PGBACKREST_REPO1_S3_KEY_SECRET", "keysecret-Secret-4"},
    {"PGBACKREST_REPO1_CIPHER_PASS", "cipher-Secret-5"},
    {"PGBACKREST_REPO2_S3_TOKEN", "token-Secret-6"},
    {"PGBACKREST_REPO1_AZURE_KEY", "azure-Secret-7"},
    {"PGBACKREST_REPO1_GCS_KEY", "gcs-Secret-8"},
    {"PGBACKREST_REPO1_HOST_PASSWORD", "host-Secret-9"},
};

struct RedactionTest : ConfigFixture {
  void SetUp() override {
    for (const auto& [name, value] : kSecrets) env.set(name, value);
    env.set("PGBACKREST_REPO1_TYPE", "s3");
    env.set("PGBACKREST_REPO1_S3_BUCKET", "my-bucket");
  }
};

TEST_F(RedactionTest, NoSecretAppearsInTheDump) {
  const Settings s = settings({"postgres", "-c", "primary_conninfo=host=a password=conn-Secret-10",
                               "-c", "ssl_passphrase_command=echo phrase-Secret-11",
                               "--ssl_key_file=keyfile-Secret-12"});
  ASSERT_EQ(s.init.password, "pw-Secret-1") << "the real value is loaded";
  const std::string dump = redactedSettingsJson(s).dump();
  for (const auto& [name, value] : kSecrets) EXPECT_THAT(dump, Not(HasSubstr(value))) << name;
  EXPECT_THAT(dump, Not(HasSubstr("Secret-10")));
  EXPECT_THAT(dump, Not(HasSubstr("Secret-11")));
  EXPECT_THAT(dump, Not(HasSubstr("Secret-12")));
  EXPECT_THAT(dump, Not(HasSubstr("Secret")));
}

TEST_F(RedactionTest, SecretsFromFilesAreRedactedToo) {
  env.unset("POSTGRES_PASSWORD");
  env.unset("PGBR_API_TOKEN");
  env.set("POSTGRES_PASSWORD_FILE", "/p");
  env.set("PGBR_API_TOKEN_FILE", "/t");
  files.add("/p", "file-pw-Secret\n");
  files.add("/t", "file-token-Secret-0123456789\n");
  const std::string dump = redactedSettingsJson(settings()).dump();
  EXPECT_THAT(dump, Not(HasSubstr("Secret")));
}

TEST_F(RedactionTest, PlainValuesAreShownWithTheirSource) {
  env.set("PGBR_STANZA", "prod");
  const nlohmann::json dump =
      redactedSettingsJson(settings({"--log-keep=7", "postgres", "-p", "6000"}));
  EXPECT_EQ(dump["settings"]["PGBR_STANZA"]["value"], "prod");
  EXPECT_EQ(dump["settings"]["PGBR_STANZA"]["source"], "env");
  EXPECT_EQ(dump["settings"]["PGBR_STANZA"]["flag"], "--stanza");
  EXPECT_EQ(dump["settings"]["PGBR_STANZA"]["default"], "main");
  EXPECT_EQ(dump["settings"]["PGBR_LOG_KEEP"]["value"], "7");
  EXPECT_EQ(dump["settings"]["PGBR_LOG_KEEP"]["source"], "flag");
  EXPECT_EQ(dump["settings"]["PGBR_JOB_HISTORY"]["source"], "default");
  EXPECT_EQ(dump["settings"]["POSTGRES_PASSWORD"]["value"], "(redacted)");
  EXPECT_EQ(dump["settings"]["POSTGRES_PASSWORD"]["secret"], true);
  EXPECT_EQ(dump["settings"]["PGBR_API_TOKEN"]["value"], "(redacted)");
  EXPECT_EQ(dump["postgres"]["port"], 6000);
  EXPECT_EQ(dump["postgres"]["args"], nlohmann::json::array({"-p", "6000"}));
  EXPECT_EQ(dump["pgbackrest"]["env"]["PGBACKREST_REPO1_TYPE"], "s3");
  EXPECT_EQ(dump["pgbackrest"]["env"]["PGBACKREST_REPO1_S3_BUCKET"], "my-bucket");
  EXPECT_EQ(dump["pgbackrest"]["env"]["PGBACKREST_REPO1_S3_KEY"], "(redacted)");
  EXPECT_EQ(dump["pgbackrest"]["config_rendered"], true);
  for (const SettingSpec& spec : settingTable()) {
    EXPECT_TRUE(dump["settings"].contains(std::string(spec.env))) << spec.env;
  }
}

TEST_F(RedactionTest, UnsetSecretsShowAsEmpty) {
  env.unset("POSTGRES_PASSWORD");
  const nlohmann::json dump = redactedSettingsJson(settings());
  EXPECT_EQ(dump["settings"]["POSTGRES_PASSWORD"]["value"], "");
}

TEST(SecretNameTest, Words) {
  for (const char* name : {"POSTGRES_PASSWORD", "PGBR_API_TOKEN", "PGBACKREST_REPO1_S3_KEY",
                           "PGBACKREST_REPO1_S3_KEY_SECRET", "PGBACKREST_REPO1_CIPHER_PASS",
                           "pgbackrest_repo1_s3_key", "PGBACKREST_REPO1_CIPHER_TYPE"}) {
    EXPECT_TRUE(isSecretName(name)) << name;
  }
  for (const char* name : {"PGBACKREST_REPO1_TYPE", "PGBACKREST_REPO1_S3_BUCKET",
                           "PGBACKREST_REPO1_S3_ENDPOINT", "PGBR_STANZA"}) {
    EXPECT_FALSE(isSecretName(name)) << name;
  }
}

TEST(RedactedCopyTest, ReplacesEverySecretField) {
  Settings s;
  s.init.password = "a";
  s.api_token = "b";
  s.pgbackrest_env = {{"PGBACKREST_REPO1_S3_KEY", "c"}, {"PGBACKREST_REPO1_PATH", "/repo"}};
  s.postgres_args = {"-c", "password_encryption=md5", "-c", "work_mem=64MB"};
  const Settings shown = redacted(s);
  EXPECT_EQ(shown.init.password, "(redacted)");
  EXPECT_EQ(shown.api_token, "(redacted)");
  EXPECT_EQ(shown.pgbackrest_env.at("PGBACKREST_REPO1_S3_KEY"), "(redacted)");
  EXPECT_EQ(shown.pgbackrest_env.at("PGBACKREST_REPO1_PATH"), "/repo");
  EXPECT_EQ(shown.postgres_args, (std::vector<std::string>{"-c", "password_encryption=(redacted)",
                                                           "-c", "work_mem=64MB"}));
}

}  // namespace
}  // namespace pgbr::testing
