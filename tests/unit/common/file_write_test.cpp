#include "supervisor/common/file_write.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

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

// The inode tells a file left alone from one replaced by a rename.
ino_t inodeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0);
  return st.st_ino;
}

TEST(WriteFileIfChanged, LeavesAFileWithTheSameContentAndModeAlone) {
  testing::TempDir dir;
  const auto rw = fs::perms::owner_read | fs::perms::owner_write;
  const auto file = dir.path() / "pgbackrest.conf";
  const std::string content(20000, 'c');  // more than one read
  ASSERT_EQ(writeFileIfChanged(file, content, rw), "");
  const ino_t first = inodeOf(file);
  ASSERT_EQ(writeFileIfChanged(file, content, rw), "");
  EXPECT_EQ(inodeOf(file), first) << "unchanged: not written again";
  EXPECT_EQ(testing::TempDir::read(file), content);
}

TEST(WriteFileIfChanged, RewritesOtherContentALongerFileOrAnotherMode) {
  testing::TempDir dir;
  const auto rw = fs::perms::owner_read | fs::perms::owner_write;
  const auto file = dir.write("f", "abc");
  fs::permissions(file, rw, fs::perm_options::replace);
  ino_t last = inodeOf(file);
  ASSERT_EQ(writeFileIfChanged(file, "abd", rw), "");
  EXPECT_EQ(testing::TempDir::read(file), "abd");
  EXPECT_NE(inodeOf(file), last);
  last = inodeOf(file);
  ASSERT_EQ(writeFileIfChanged(file, "ab", rw), "") << "a prefix of the old content";
  EXPECT_EQ(testing::TempDir::read(file), "ab");
  EXPECT_NE(inodeOf(file), last);
  ASSERT_EQ(writeFileIfChanged(file, "ab", fs::perms::owner_read), "");
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read);
  EXPECT_EQ(testing::TempDir::read(file), "ab");
}

TEST(WriteFileIfChanged, ReplacesASymlinkEvenToTheSameContent) {
  testing::TempDir dir;
  const auto elsewhere = dir.write("elsewhere", "same");
  fs::permissions(elsewhere, fs::perms::owner_read, fs::perm_options::replace);
  fs::create_symlink(elsewhere, dir.path() / "link");
  ASSERT_EQ(writeFileIfChanged(dir.path() / "link", "same", fs::perms::owner_read), "");
  EXPECT_FALSE(fs::is_symlink(dir.path() / "link"));
  EXPECT_EQ(testing::TempDir::read(dir.path() / "link"), "same");
}

}  // namespace
}  // namespace pgbr
