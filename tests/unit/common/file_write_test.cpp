#include "supervisor/common/file_write.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The names in `dir`, so a test sees any temporary file left behind.
std::vector<std::string> namesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  return names;
}

TEST(WriteFileAtomically, ReplacesContentSetsModeAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  const auto file = dir.write("f", "old");
  ASSERT_EQ(writeFileAtomically(file, "new", fs::perms::owner_read), "");
  EXPECT_EQ(testing::TempDir::read(file), "new");
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read);
  EXPECT_THAT(namesIn(dir.path()), ::testing::ElementsAre("f"));
}

TEST(WriteFileAtomically, CreatesAMissingFileWithExactlyTheGivenMode) {
  testing::TempDir dir;
  const auto file = dir.path() / "token";
  const std::string content(100000, 'x');  // more than one write of a small buffer
  ASSERT_EQ(writeFileAtomically(file, content, fs::perms::owner_read | fs::perms::owner_write), "");
  EXPECT_EQ(testing::TempDir::read(file), content);
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

TEST(WriteFileAtomically, AMissingFolderIsAnErrorNamingIt) {
  testing::TempDir dir;
  EXPECT_THAT(writeFileAtomically(dir.path() / "missing-dir" / "f", "x", fs::perms::owner_read),
              HasSubstr("cannot create " + (dir.path() / "missing-dir").string()));
}

TEST(WriteFileAtomically, AFailedReplaceKeepsTheOldContentAndRemovesTheTemporaryFile) {
  testing::TempDir dir;
  // A directory in the way: the rename onto it fails after the new content was written.
  fs::create_directory(dir.path() / "target");
  dir.write("target/inside", "old");
  EXPECT_THAT(writeFileAtomically(dir.path() / "target", "new", fs::perms::owner_read),
              HasSubstr("cannot replace"));
  EXPECT_EQ(testing::TempDir::read(dir.path() / "target" / "inside"), "old");
  EXPECT_THAT(namesIn(dir.path()), ::testing::ElementsAre("target"));
}

TEST(WriteFileAtomically, ReplacesASymlinkInsteadOfWritingThroughIt) {
  testing::TempDir dir;
  const auto elsewhere = dir.write("elsewhere", "keep");
  fs::create_symlink(elsewhere, dir.path() / "link");
  ASSERT_EQ(writeFileAtomically(dir.path() / "link", "new", fs::perms::owner_read), "");
  EXPECT_EQ(testing::TempDir::read(elsewhere), "keep");
  EXPECT_FALSE(fs::is_symlink(dir.path() / "link"));
  EXPECT_EQ(testing::TempDir::read(dir.path() / "link"), "new");
}

}  // namespace
}  // namespace pgbr
