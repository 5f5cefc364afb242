// The dump runs in a store (a local folder here): listing complete runs only, leftovers of
// incomplete ones, removal, and the retention rule.
#include "supervisor/dumps/dump_catalog.h"

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"
#include "supervisor/storage/encrypted_store.h"
#include "supervisor/storage/local_store.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

DumpManifest run(const std::string& id, const std::string& finished) {
  DumpManifest m;
  m.id = id;
  m.started_at = *parseRfc3339(finished);
  m.finished_at = *parseRfc3339(finished);
  return m;
}

std::string put(ObjectStore& store, const std::string& key, const std::string& bytes) {
  std::string error;
  auto writer = store.create(key, &error);
  if (!writer) return error;
  if (error = writer->write(bytes); !error.empty()) return error;
  return writer->commit();
}

TEST(DumpCatalog, ListsCompleteRunsNewestFirstAndFindsLeftovers) {
  testing::TempDir dir;
  LocalStore store(dir.path() / "dumps");
  DumpCatalog catalog(store);
  ASSERT_EQ(catalog.writeManifest(run("20261201-000000-000", "2026-12-01T00:00:00Z")), "");
  ASSERT_EQ(put(store, "20261201-000000-000/000-app.dump", "x"), "");
  ASSERT_EQ(catalog.writeManifest(run("20261203-000000-000", "2026-12-03T00:00:00Z")), "");
  ASSERT_EQ(put(store, "20261202-000000-000/000-app.dump", "partial"), "");  // no manifest
  ASSERT_EQ(put(store, "notes/readme.txt", "not a run"), "");
  ASSERT_EQ(put(store, "20261204-000000-000/manifest.json", "{broken"), "");

  std::vector<DumpManifest> runs;
  std::vector<UnreadableRun> unreadable;
  ASSERT_EQ(catalog.list(&runs, &unreadable), "");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, "20261203-000000-000");
  EXPECT_EQ(runs[1].id, "20261201-000000-000");
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_EQ(unreadable[0].id, "20261204-000000-000");
  EXPECT_EQ(unreadable[0].error, "the manifest is not JSON");

  std::vector<std::string> leftovers;
  ASSERT_EQ(catalog.leftovers(&leftovers), "");
  EXPECT_EQ(leftovers, std::vector<std::string>{"20261202-000000-000"});

  ASSERT_EQ(catalog.remove("20261201-000000-000"), "");
  std::vector<ObjectInfo> left;
  ASSERT_EQ(store.list("20261201-000000-000/", &left), "");
  EXPECT_TRUE(left.empty());
  std::string error;
  EXPECT_FALSE(catalog.manifest("20261201-000000-000", &error));
}

TEST(DumpCatalog, ManifestOfAnotherRunIsRefused) {
  testing::TempDir dir;
  LocalStore store(dir.path());
  DumpCatalog catalog(store);
  ASSERT_EQ(put(store, "20261201-000000-000/manifest.json",
                toJson(run("20261109-000000-000", "2026-11-09T00:00:00Z")).dump()),
            "");
  std::string error;
  EXPECT_FALSE(catalog.manifest("20261201-000000-000", &error));
  EXPECT_NE(error.find("20261109-000000-000"), std::string::npos) << error;
}

// Garbage read through an encrypted store (a damaged object, or, in a store written before the
// passphrase check existed, one of the wrong passphrases in 256 whose padding is valid) names the
// passphrase; through a plain store it does not.
TEST(DumpCatalog, GarbageFromAnEncryptedStoreNamesThePassphrase) {
  testing::TempDir dir;
  EncryptedStore store(std::make_unique<LocalStore>(dir.path()), "passphrase");
  ASSERT_EQ(put(store, "20261201-000000-000/manifest.json", "\x8f\x03 garbage"), "");
  std::string error;
  EXPECT_FALSE(DumpCatalog(store).manifest("20261201-000000-000", &error));
  EXPECT_EQ(error, "the manifest is not JSON: wrong passphrase (repo cipher-pass) or damaged data");

  LocalStore plain(dir.path() / "plain");
  ASSERT_EQ(put(plain, "20261201-000000-000/manifest.json", "garbage"), "");
  EXPECT_FALSE(DumpCatalog(plain).manifest("20261201-000000-000", &error));
  EXPECT_EQ(error, "the manifest is not JSON");
}

TEST(DumpRetention, KeepsTheNewestByCountAndAge) {
  const std::vector<DumpManifest> runs = {
      run("d", "2026-12-06T00:00:00Z"), run("c", "2026-12-05T00:00:00Z"),
      run("b", "2026-11-20T00:00:00Z"), run("a", "2026-11-01T00:00:00Z")};
  const WallTime now = *parseRfc3339("2026-12-06T12:00:00Z");
  EXPECT_EQ(expiredRuns(runs, {2, 0}, now), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(expiredRuns(runs, {0, 10}, now), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(expiredRuns(runs, {3, 30}, now), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(expiredRuns(runs, {0, 0}, now).empty());
  // The newest run is kept even when it is older than the age limit.
  const std::vector<DumpManifest> old = {run("x", "2020-01-01T00:00:00Z")};
  EXPECT_TRUE(expiredRuns(old, {1, 1}, now).empty());
}

}  // namespace
}  // namespace pgbr
