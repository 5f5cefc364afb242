// RepoConfig resolves repoN-* options as pgBackRest 2.45 does: environment over [<stanza>] over
// [global], include files read as part of the config, command sections ignored (and said so),
// deprecated names mapped, y/n booleans, and one clear line for what is missing or malformed.
#include "supervisor/backrest/repo_settings.h"

#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using testing::TempDir;

const std::string kFixtures = std::string(PGBR_BACKREST_FIXTURES) + "/repo-settings";

RepoSettingsInput fixtureInput() {
  return RepoSettingsInput{.env = {},
                           .config_file = kFixtures + "/pgbackrest.conf",
                           .include_path = kFixtures + "/conf.d",
                           .stanza = "main"};
}

RepoSettings resolved(const RepoSettingsInput& input, int repo) {
  std::string error;
  auto config = RepoConfig::load(input, &error);
  EXPECT_TRUE(config) << error;
  if (!config) return {};
  auto settings = config->resolve(repo, &error);
  EXPECT_TRUE(settings) << error;
  return settings.value_or(RepoSettings{});
}

std::string failure(const RepoSettingsInput& input, int repo) {
  std::string error;
  auto config = RepoConfig::load(input, &error);
  if (!config) return error;
  EXPECT_FALSE(config->resolve(repo, &error));
  return error;
}

TEST(RepoSettings, WithNothingSetRepo1IsPgbackrestsDefault) {
  std::string error;
  auto config = RepoConfig::load({.stanza = "main"}, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->repos(), std::vector<int>{1});
  const RepoSettings s = resolved({.stanza = "main"}, 1);
  EXPECT_EQ(s.type, "posix");
  EXPECT_EQ(s.path, "/var/lib/pgbackrest");
  EXPECT_EQ(s.cipher_type, "none");
  EXPECT_TRUE(s.storage_verify_tls);
  EXPECT_EQ(failure({.stanza = "main"}, 2), "repo2 is not configured");
}

TEST(RepoSettings, StanzaBeatsGlobalAndIncludesAreRead) {
  const RepoSettings s = resolved(fixtureInput(), 1);
  EXPECT_EQ(s.type, "s3");
  EXPECT_EQ(s.path, "/pgbackrest");
  EXPECT_EQ(s.s3_bucket, "main-bucket") << "[main] over [global]; [global:archive-push] unused";
  EXPECT_EQ(s.s3_endpoint, "s3.example.com");
  EXPECT_EQ(s.s3_region, "eu-west-1") << "only *.conf files are included";
  EXPECT_EQ(s.s3_key_secret, "file-secret");
  EXPECT_FALSE(s.storage_verify_tls) << "repo1-s3-verify-ssl is the old name";
  EXPECT_EQ(s.storage_port, 9443) << "from conf.d/10-port.conf";
  EXPECT_EQ(s.s3_uri_style, "path") << "from conf.d/20-uri.conf";

  const RepoSettings r2 = resolved(fixtureInput(), 2);
  EXPECT_EQ(r2.type, "posix");
  EXPECT_EQ(r2.path, "/srv/main-repo2") << "spaces around = are trimmed";
  EXPECT_EQ(r2.cipher_type, "aes-256-cbc");
  EXPECT_EQ(r2.cipher_pass, "stanza-pass");
}

TEST(RepoSettings, AnotherStanzaSeesItsOwnSection) {
  RepoSettingsInput input = fixtureInput();
  input.stanza = "other";
  EXPECT_EQ(resolved(input, 1).s3_bucket, "other-bucket");
  EXPECT_EQ(resolved(input, 2).path, "/var/lib/global-repo2");
  EXPECT_EQ(resolved(input, 2).cipher_type, "none");
}

TEST(RepoSettings, EnvironmentBeatsTheConfigFile) {
  RepoSettingsInput input = fixtureInput();
  input.env = {{"PGBACKREST_REPO1_S3_BUCKET", "env-bucket"},
               {"PGBACKREST_REPO1_STORAGE_VERIFY_TLS", "y"},
               {"PGBACKREST_REPO_PATH", "/unindexed-means-repo1"},
               {"PGBACKREST_REPO3_TYPE", "gcs"},
               {"PGBACKREST_STANZA", "not a repo option"},
               {"PATH", "/usr/bin"}};
  const RepoSettings s = resolved(input, 1);
  EXPECT_EQ(s.s3_bucket, "env-bucket");
  EXPECT_TRUE(s.storage_verify_tls);
  EXPECT_EQ(s.path, "/unindexed-means-repo1");
  std::string error;
  auto config = RepoConfig::load(input, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->repos(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(resolved(input, 3).type, "gcs");
}

TEST(RepoSettings, CommandSectionsAreIgnoredAndSaidSo) {
  std::string error;
  auto config = RepoConfig::load(fixtureInput(), &error);
  ASSERT_TRUE(config) << error;
  ASSERT_EQ(config->notes().size(), 1u);
  EXPECT_NE(config->notes()[0].find("[global:archive-push]"), std::string::npos);
}

TEST(RepoSettings, IncludePathFromTheEnvironment) {
  RepoSettingsInput input = fixtureInput();
  input.include_path.clear();
  EXPECT_EQ(resolved(input, 1).storage_port, 443) << "no include path: conf.d is not read";
  input.env["PGBACKREST_CONFIG_INCLUDE_PATH"] = kFixtures + "/conf.d";
  EXPECT_EQ(resolved(input, 1).storage_port, 9443);
}

TEST(RepoSettings, OptionsSetTwiceOrMalformedAreOneClearLine) {
  RepoSettingsInput input{.config_file = kFixtures + "/duplicate.conf", .stanza = "main"};
  std::string error;
  EXPECT_FALSE(RepoConfig::load(input, &error));
  EXPECT_NE(error.find("repo1-path is set more than once in [global]"), std::string::npos) << error;

  EXPECT_FALSE(RepoConfig::load({.config_file = "/nonexistent/pgbackrest.conf"}, &error));
  EXPECT_EQ(error, "cannot read pgBackRest config /nonexistent/pgbackrest.conf");

  auto withEnv = [](std::map<std::string, std::string> env) {
    return RepoSettingsInput{.env = std::move(env), .stanza = "main"};
  };
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_STORAGE_VERIFY_TLS", "yes"}}), 1),
            "repo1-storage-verify-tls must be y or n, not 'yes'");
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_STORAGE_PORT", "70000"}}), 1),
            "repo1-storage-port must be a port number (1-65535), not '70000'");
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_TYPE", "ftp"}}), 1),
            "repo1-type 'ftp' is not a pgBackRest repository type");
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_PATH", "relative"}}), 1),
            "repo1-path must be an absolute path, not 'relative'");
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_CIPHER_TYPE", "aes-256-cbc"}}), 1),
            "repo1-cipher-pass is needed with repo1-cipher-type=aes-256-cbc");
  EXPECT_EQ(failure(withEnv({{"PGBACKREST_REPO1_TYPE", "s3"},
                             {"PGBACKREST_REPO1_S3_BUCKET", "b"},
                             {"PGBACKREST_REPO1_S3_ENDPOINT", "e"},
                             {"PGBACKREST_REPO1_S3_REGION", "r"},
                             {"PGBACKREST_REPO1_S3_KEY", "k"}}),
                    1),
            "repo1-s3-key-secret is not set (an s3 repository needs it)");
}

TEST(RepoSettings, EveryOptionSetIsVisibleForRefusals) {
  RepoSettingsInput input = fixtureInput();
  input.env["PGBACKREST_REPO1_S3_KMS_KEY_ID"] = "arn:aws:kms:key";
  const RepoSettings s = resolved(input, 1);
  EXPECT_EQ(s.options.at("s3-kms-key-id"), "arn:aws:kms:key");
  EXPECT_EQ(s.options.at("storage-verify-tls"), "n");
}

TEST(RepoSettings, ALocalConfigFileWrittenByATest) {
  TempDir dir;
  const auto file = dir.write("pgbackrest.conf",
                              "[global]\n# a comment\nrepo4-type=posix\nrepo4-path=/r4\n\n[main]\n"
                              "repo-s3-key-type=auto\n");
  std::string error;
  auto config = RepoConfig::load({.config_file = file.string(), .stanza = "main"}, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->repos(), (std::vector<int>{1, 4}));
  EXPECT_EQ(resolved({.config_file = file.string(), .stanza = "main"}, 1).s3_key_type, "auto");
}

}  // namespace
}  // namespace pgbr
