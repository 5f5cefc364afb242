// Folders pgBackRest writes to as the run user: created with parents it can pass through, taken
// over only when empty or already the user's, and checked with one line naming the setting.
// Giving a folder to another user needs root: those cases run only as root (as the test suite
// runs), the rest as anyone.
#include "supervisor/os/folders.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kSetting = "PGBACKREST_LOCK_PATH";

struct stat statOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

unsigned modeOf(const fs::path& path) {
  return statOf(path).st_mode & 07777;
}

// Restores the umask when the test ends.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

UserInfo me() {
  auto user = currentUser();
  EXPECT_TRUE(user.has_value());
  return user.value_or(UserInfo{});
}

// Someone else to give folders to, when the test may (as root).
std::optional<UserInfo> otherUser() {
  if (::geteuid() != 0) return std::nullopt;
  for (const char* name : {"nobody", "postgres"}) {
    if (auto user = lookupUser(name)) return user;
  }
  return std::nullopt;
}

TEST(PrepareFolder, CreatesAMissingFolderWithParentsTheUserCanPassThrough) {
  testing::TempDir dir;
  const Umask strict(077);  // a PID 1 started with a strict umask
  const fs::path lock = dir.path() / "custom" / "deeper" / "lock";
  EXPECT_EQ(prepareFolder(kSetting, lock.string(), me(), 0750), "");
  EXPECT_EQ(modeOf(dir.path() / "custom"), 0755u);
  EXPECT_EQ(modeOf(dir.path() / "custom" / "deeper"), 0755u);
  EXPECT_EQ(modeOf(lock), 0750u);
  EXPECT_EQ(statOf(lock).st_uid, me().uid);
}

TEST(PrepareFolder, RefusesAFileNamingTheSetting) {
  testing::TempDir dir;
  const fs::path file = dir.write("lock", "not a folder");
  EXPECT_EQ(prepareFolder(kSetting, file.string(), me(), 0750),
            std::string(kSetting) + "=" + file.string() +
                ": exists and is not a folder; point PGBACKREST_LOCK_PATH at a folder");
}

TEST(PrepareFolder, GivesTheNewFolderToTheUser) {
  const auto user = otherUser();
  if (!user) GTEST_SKIP() << "needs root and a user such as nobody";
  testing::TempDir dir;
  const fs::path spool = dir.path() / "root-owned" / "spool";
  EXPECT_EQ(prepareFolder("PGBACKREST_SPOOL_PATH", spool.string(), *user, 0750), "");
  EXPECT_EQ(statOf(spool).st_uid, user->uid);
  EXPECT_EQ(statOf(spool).st_gid, user->gid);
  EXPECT_EQ(statOf(dir.path() / "root-owned").st_uid, 0u) << "a new parent stays root's";
}

TEST(PrepareFolder, TakesAnEmptyFolderMadeBeforehandButNotOneInUse) {
  const auto user = otherUser();
  if (!user) GTEST_SKIP() << "needs root and a user such as nobody";
  testing::TempDir dir;
  const fs::path empty = dir.path() / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(prepareFolder(kSetting, empty.string(), *user, 0750), "");
  EXPECT_EQ(statOf(empty).st_uid, user->uid);
  EXPECT_EQ(modeOf(empty), 0750u);

  // A folder with something in it that belongs to someone else may be shared (/tmp, /var/log).
  const fs::path shared = dir.path() / "shared";
  dir.write("shared/other.log", "x");
  EXPECT_EQ(prepareFolder("PGBACKREST_LOG_PATH", shared.string(), *user, 0750), "");
  EXPECT_EQ(statOf(shared).st_uid, 0u);
  EXPECT_EQ(statOf(shared / "other.log").st_uid, 0u);
}

TEST(PrepareFolder, GivesBackWhatARootRunLeftInTheUsersFolder) {
  const auto user = otherUser();
  if (!user) GTEST_SKIP() << "needs root and a user such as nobody";
  testing::TempDir dir;
  const fs::path log = dir.path() / "log";
  const fs::path left = dir.write("log/main-backup.log", "written by pgbackrest run as root");
  ASSERT_EQ(::chown(log.c_str(), user->uid, user->gid), 0);
  EXPECT_EQ(prepareFolder("PGBACKREST_LOG_PATH", log.string(), *user, 0750), "");
  EXPECT_EQ(statOf(left).st_uid, user->uid);
}

TEST(CheckFolderWritable, AcceptsAWritableFolderAndCreatesAMissingOne) {
  testing::TempDir dir;
  EXPECT_EQ(checkFolderWritable(kSetting, dir.path().string()), "");
  const fs::path missing = dir.path() / "a" / "b";
  EXPECT_EQ(checkFolderWritable(kSetting, missing.string()), "");
  EXPECT_TRUE(fs::is_directory(missing));
}

TEST(CheckFolderWritable, NamesTheSettingWhenItCannotBeUsed) {
  testing::TempDir dir;
  const fs::path file = dir.write("file", "x");
  EXPECT_THAT(checkFolderWritable(kSetting, file.string()),
              StartsWith(std::string(kSetting) + "=" + file.string() + ": exists and is not"));
  const fs::path under_file = file / "lock";
  const std::string error = checkFolderWritable(kSetting, under_file.string());
  EXPECT_THAT(error, StartsWith(std::string(kSetting) + "=" + under_file.string() + ": "));
  EXPECT_THAT(error, HasSubstr("cannot write there (Not a directory)"));
  EXPECT_THAT(error, HasSubstr("or point PGBACKREST_LOCK_PATH at another folder"));
  EXPECT_EQ(error.find('\n'), std::string::npos);

  if (::geteuid() == 0) return;  // root may write anywhere: the integration test covers a user
  const fs::path closed = dir.path() / "closed";
  fs::create_directories(closed);
  fs::permissions(closed, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
  EXPECT_THAT(checkFolderWritable(kSetting, closed.string()),
              HasSubstr("cannot write there (Permission denied)"));
  fs::permissions(closed, fs::perms::owner_all, fs::perm_options::replace);
}

}  // namespace
}  // namespace pgbr
