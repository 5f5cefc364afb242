// LocalStore and the key rules: objects appear whole on commit or not at all, reads stream in
// order, listing skips unfinished writes, removal tidies empty folders, and no key leaves the root.
#include "supervisor/storage/local_store.h"

#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string readAll(ObjectStore& store, const std::string& key, std::string* error) {
  std::string bytes;
  *error = store.read(key, [&](std::string_view chunk) {
    bytes.append(chunk);
    return true;
  });
  return bytes;
}

TEST(ObjectKeys, PartsOfSafeCharactersOnly) {
  for (const char* key : {"a", "dumps/20261206T031500Z/manifest.json", "x/y_z-1.dump", "A.b"})
    EXPECT_TRUE(validKey(key)) << key;
  for (const char* key : {"", "/a", "a/", "a//b", "../a", "a/../b", "./a", ".hidden", "a/.part",
                          "a b", "a\\b", "caf\xc3\xa9", "a\nb"})
    EXPECT_FALSE(validKey(key)) << key;
  EXPECT_TRUE(validPrefix(""));
  EXPECT_TRUE(validPrefix("dumps/"));
  EXPECT_TRUE(validPrefix("dumps/2026"));
  EXPECT_FALSE(validPrefix("/"));
  EXPECT_FALSE(validPrefix("../"));
}

TEST(LocalStore, AnObjectAppearsOnlyOnCommit) {
  TempDir dir;
  LocalStore store(dir.path() / "repo" / "dumps");
  std::string error;
  auto writer = store.create("run-1/db.dump", &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_EQ(writer->write("hello, "), "");
  EXPECT_EQ(writer->write("world"), "");
  EXPECT_EQ(writer->written(), 12u);
  std::vector<ObjectInfo> listed;
  EXPECT_EQ(store.list("", &listed), "");
  EXPECT_TRUE(listed.empty()) << "an unfinished write is listed";
  EXPECT_FALSE(store.size("run-1/db.dump", &error).has_value());
  EXPECT_EQ(error, "");

  EXPECT_EQ(writer->commit(), "");
  EXPECT_EQ(store.size("run-1/db.dump", &error), 12u) << error;
  EXPECT_EQ(readAll(store, "run-1/db.dump", &error), "hello, world");
  EXPECT_EQ(error, "");
  EXPECT_NE(writer->write("more"), "") << "a committed object takes no more bytes";
  // Only the object is left in its folder: the temporary file was renamed into place.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "repo" / "dumps" / "run-1")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(LocalStore, AWriterDroppedWithoutCommitLeavesNothing) {
  TempDir dir;
  LocalStore store(dir.path());
  std::string error;
  {
    auto old = store.create("k", &error);
    ASSERT_TRUE(old) << error;
    ASSERT_EQ(old->write("old"), "");
    ASSERT_EQ(old->commit(), "");
  }
  {
    auto writer = store.create("k", &error);
    ASSERT_TRUE(writer) << error;
    ASSERT_EQ(writer->write("new and half written"), "");
  }
  EXPECT_EQ(readAll(store, "k", &error), "old") << error;
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";
}

TEST(LocalStore, ListsByPrefixSortedWithSizes) {
  TempDir dir;
  LocalStore store(dir.path());
  std::string error;
  for (const auto& [key, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"b/2", "22"}, {"a/1", "1"}, {"b/1", "333"}, {"c", ""}}) {
    auto w = store.create(key, &error);
    ASSERT_TRUE(w) << error;
    ASSERT_EQ(w->write(bytes), "");
    ASSERT_EQ(w->commit(), "");
  }
  dir.write("b/.x.part-1-1", "unfinished");
  dir.write("b/not a key", "written by hand");
  std::vector<ObjectInfo> all;
  ASSERT_EQ(store.list("", &all), "");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].key, "a/1");
  EXPECT_EQ(all[3].key, "c");
  std::vector<ObjectInfo> b;
  ASSERT_EQ(store.list("b/", &b), "");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].key, "b/1");
  EXPECT_EQ(b[0].size, 3u);
  EXPECT_EQ(b[1].size, 2u);
  EXPECT_NE(store.list("../", &b), "");
  LocalStore missing(dir.path() / "nothing-yet");
  EXPECT_EQ(missing.list("", &b), "");
  EXPECT_TRUE(b.empty());
}

TEST(LocalStore, ReadsStreamInChunksAndStopWhenAsked) {
  TempDir dir;
  LocalStore store(dir.path());
  std::string error;
  const std::string big(1024 * 1024 + 7, 'x');
  auto w = store.create("big", &error);
  ASSERT_TRUE(w) << error;
  ASSERT_EQ(w->write(big), "");
  ASSERT_EQ(w->commit(), "");
  size_t chunks = 0, bytes = 0;
  EXPECT_EQ(store.read("big",
                       [&](std::string_view chunk) {
                         ++chunks;
                         bytes += chunk.size();
                         return true;
                       }),
            "");
  EXPECT_EQ(bytes, big.size());
  EXPECT_GT(chunks, 1u) << "read in one piece: not streamed";
  EXPECT_EQ(store.read("big", [](std::string_view) { return false; }), "stopped by the reader");
  EXPECT_NE(store.read("absent", [](std::string_view) { return true; }), "");
}

TEST(LocalStore, RemoveTidiesEmptyFoldersAndIgnoresMissingObjects) {
  TempDir dir;
  LocalStore store(dir.path() / "root");
  std::string error;
  for (const char* key : {"run/a/x", "run/b"}) {
    auto w = store.create(key, &error);
    ASSERT_TRUE(w) << error;
    ASSERT_EQ(w->commit(), "");
  }
  EXPECT_EQ(store.remove("run/a/x"), "");
  EXPECT_FALSE(fs::exists(dir.path() / "root" / "run" / "a"));
  EXPECT_TRUE(fs::exists(dir.path() / "root" / "run" / "b"));
  EXPECT_EQ(store.remove("run/b"), "");
  EXPECT_FALSE(fs::exists(dir.path() / "root" / "run"));
  EXPECT_TRUE(fs::exists(dir.path() / "root")) << "the root itself stays";
  EXPECT_EQ(store.remove("run/b"), "");
  EXPECT_NE(store.remove("../outside"), "");
}

TEST(LocalStore, RefusesKeysOutsideTheRoot) {
  TempDir dir;
  LocalStore store(dir.path() / "root");
  std::string error;
  EXPECT_FALSE(store.create("../escape", &error));
  EXPECT_NE(error, "");
  error.clear();
  EXPECT_FALSE(store.size("/etc/passwd", &error).has_value());
  EXPECT_NE(error, "");
  EXPECT_FALSE(fs::exists(dir.path() / "escape"));
  EXPECT_EQ(store.describe(), "local " + (dir.path() / "root").string());
}

}  // namespace
}  // namespace pgbr
