// openDumpStore picks the repository PGBR_DUMP_REPO as pgBackRest resolves it: a local folder
// under <repo path>/dumps/<stanza>, an S3 prefix in the same bucket, encryption when the
// repository is encrypted, and one clear line for what it cannot do.
#include "supervisor/dumps/dump_store.h"

#include <gtest/gtest.h>

#include "supervisor/storage/encrypted_store.h"
#include "supervisor/storage/local_store.h"
#include "supervisor/storage/s3_store.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using testing::TempDir;

struct Fixture {
  TempDir dir;
  Settings settings;
  Fixture() {
    settings.state_dir = dir.path().string();
    settings.pgbackrest_config = (dir.path() / "pgbackrest.conf").string();
    settings.stanza = "main";
  }
  std::unique_ptr<ObjectStore> open(std::string* error) { return openDumpStore(settings, error); }
  std::string refusal() {
    std::string error;
    EXPECT_EQ(open(&error), nullptr);
    return error;
  }
};

const std::map<std::string, std::string> kS3 = {{"PGBACKREST_REPO2_TYPE", "s3"},
                                                {"PGBACKREST_REPO2_PATH", "/pgbackrest"},
                                                {"PGBACKREST_REPO2_S3_BUCKET", "b"},
                                                {"PGBACKREST_REPO2_S3_ENDPOINT", "s3.test"},
                                                {"PGBACKREST_REPO2_S3_REGION", "r"},
                                                {"PGBACKREST_REPO2_S3_KEY", "k"},
                                                {"PGBACKREST_REPO2_S3_KEY_SECRET", "Zx9-secret-Q"},
                                                {"PGBACKREST_REPO2_S3_URI_STYLE", "path"},
                                                {"PGBACKREST_REPO2_STORAGE_PORT", "9000"}};

TEST(DumpStore, BeforeTheConfigIsRenderedRepo1IsTheStateDirRepo) {
  Fixture f;
  std::string error;
  auto store = f.open(&error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store->describe(), "local " + (f.dir.path() / "repo/dumps/main").string());
}

TEST(DumpStore, ThePathComesFromTheConfigFile) {
  Fixture f;
  f.dir.write("pgbackrest.conf", "[global]\nrepo1-path=/srv/repo\n[main]\nrepo1-path=/srv/main\n");
  std::string error;
  auto store = f.open(&error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store->describe(), "local /srv/main/dumps/main");
}

TEST(DumpStore, AnS3RepositoryIsAPrefixInItsBucket) {
  Fixture f;
  f.dir.write("pgbackrest.conf", "[global]\nrepo1-path=/srv/repo\n");
  f.settings.pgbackrest_env = kS3;
  f.settings.dump_repo = 2;
  std::string error;
  auto store = f.open(&error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store->describe(), "s3 https://s3.test:9000/b/pgbackrest/dumps/main");
  EXPECT_NE(dynamic_cast<S3Store*>(store.get()), nullptr);
  f.settings.pgbackrest_env["PGBACKREST_REPO2_PATH"] = "/";
  f.settings.pgbackrest_env["PGBACKREST_REPO2_S3_URI_STYLE"] = "host";
  EXPECT_EQ(f.open(&error)->describe(), "s3 https://b.s3.test:9000/dumps/main");
}

TEST(DumpStore, AnEncryptedRepositoryGivesEncryptedDumps) {
  Fixture f;
  f.settings.pgbackrest_env = {{"PGBACKREST_REPO1_CIPHER_TYPE", "aes-256-cbc"},
                               {"PGBACKREST_REPO1_CIPHER_PASS", "pass"},
                               {"PGBACKREST_REPO1_PATH", f.dir.path().string()}};
  std::string error;
  auto store = f.open(&error);
  ASSERT_TRUE(store) << error;
  auto* encrypted = dynamic_cast<EncryptedStore*>(store.get());
  ASSERT_NE(encrypted, nullptr);
  EXPECT_NE(dynamic_cast<LocalStore*>(&encrypted->inner()), nullptr);
  auto writer = store->create("x", &error);
  ASSERT_EQ(writer->write("plain"), "");
  ASSERT_EQ(writer->commit(), "");
  EXPECT_EQ(TempDir::read(f.dir.path() / "dumps/main/x").substr(0, 8), "Salted__");
}

TEST(DumpStore, ARepositoryThatIsNotConfiguredIsRefused) {
  Fixture f;
  f.settings.dump_repo = 3;
  f.settings.pgbackrest_env = kS3;
  EXPECT_EQ(f.refusal(),
            "PGBR_DUMP_REPO=3: pgbackrest has no repo3 (configured: 2); set PGBR_DUMP_REPO to one "
            "of those");
}

TEST(DumpStore, TypesAndS3OptionsItCannotHonourAreRefused) {
  Fixture f;
  f.settings.pgbackrest_env = {{"PGBACKREST_REPO1_TYPE", "azure"}};
  EXPECT_EQ(f.refusal(),
            "repo1-type=azure: dumps are kept in a posix or s3 repository only; choose one with "
            "PGBR_DUMP_REPO");
  f.settings.dump_repo = 2;
  for (const auto& [name, value, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PGBACKREST_REPO2_S3_KMS_KEY_ID", "arn", "repo2-s3-kms-key-id is set"},
           {"PGBACKREST_REPO2_S3_REQUESTER_PAYS", "y", "repo2-s3-requester-pays=y"},
           {"PGBACKREST_REPO2_S3_KEY_TYPE", "auto", "repo2-s3-key-type=auto: dumps support shared"},
           {"PGBACKREST_REPO2_STORAGE_HOST", "h", "repo2-storage-host is set"}}) {
    f.settings.pgbackrest_env = kS3;
    f.settings.pgbackrest_env[name] = value;
    const std::string refused = f.refusal();
    EXPECT_EQ(refused.rfind(message, 0), 0u) << refused;
    EXPECT_EQ(refused.find("Zx9-secret-Q"), std::string::npos) << "no secret in " << refused;
  }
  f.settings.pgbackrest_env = kS3;
  f.settings.pgbackrest_env["PGBACKREST_REPO2_S3_REQUESTER_PAYS"] = "n";
  std::string error;
  EXPECT_TRUE(f.open(&error)) << error;
}

TEST(DumpStore, AUserConfigFileThatIsMissingIsAnError) {
  Fixture f;
  f.settings.pgbackrest_config_rendered = false;
  f.settings.pgbackrest_config = "/nonexistent/pgbackrest.conf";
  EXPECT_EQ(f.refusal(), "cannot read pgBackRest config /nonexistent/pgbackrest.conf");
}

}  // namespace
}  // namespace pgbr
