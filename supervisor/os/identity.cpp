#include "supervisor/os/identity.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace pgbr {
namespace fs = std::filesystem;

bool runningAsRoot() {
  return ::geteuid() == 0;
}

static std::optional<UserInfo> fromPasswd(const passwd* pw) {
  if (!pw) return std::nullopt;
  return UserInfo{pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir ? pw->pw_dir : "/"};
}

std::optional<UserInfo> lookupUser(const std::string& name) {
  return fromPasswd(::getpwnam(name.c_str()));
}

std::optional<UserInfo> currentUser() {
  return fromPasswd(::getpwuid(::geteuid()));
}

std::string ensureOwnedDir(const std::string& path, const UserInfo& user, unsigned mode) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fs::create_directories(path, ec);
    if (ec) return "cannot create " + path + ": " + ec.message();
    ::chmod(path.c_str(), mode);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && (st.st_uid != user.uid)) {
    if (::lchown(path.c_str(), user.uid, user.gid) != 0)
      return "cannot give " + path + " to " + user.name + ": " + std::strerror(errno);
  }
  return {};
}

namespace {

// The walk below `dir` (an open descriptor, closed here), relative to it: one fstatat per entry
// with a one-component name, where a full path would make the kernel resolve every component of
// it again for every file. `shown` is the folder's path for messages.
std::string giveTreeBelow(int dir, const std::string& shown, const UserInfo& user) {
  DIR* stream = ::fdopendir(dir);
  if (!stream) {
    ::close(dir);
    return {};  // unreadable even as root (a root-squashed NFS mount, say): nothing to give
  }
  std::string err;
  while (err.empty()) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (!entry) break;
    const char* name = entry->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    if (st.st_uid != user.uid &&
        ::fchownat(dir, name, user.uid, user.gid, AT_SYMLINK_NOFOLLOW) != 0) {
      err = "cannot give " + shown + "/" + name + " to " + user.name + ": " + std::strerror(errno);
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      const int sub = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) err = giveTreeBelow(sub, shown + "/" + name, user);
    }
  }
  ::closedir(stream);
  return err;
}

}  // namespace

std::string ensureOwnedTree(const std::string& path, const UserInfo& user, unsigned mode) {
  if (auto err = ensureOwnedDir(path, user, mode); !err.empty()) return err;
  // Like the stock image's `find \! -user postgres -exec chown`: every entry is looked at, and
  // only what is wrong is touched, so a large, correctly owned tree costs one walk and no
  // writes. Symbolic links are given themselves, never followed.
  const int top = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (top < 0) return {};
  return giveTreeBelow(top, path, user);
}

std::string dropPrivileges(const UserInfo& user) {
  if (::initgroups(user.name.c_str(), user.gid) != 0)
    return std::string("initgroups: ") + std::strerror(errno);
  if (::setgid(user.gid) != 0) return std::string("setgid: ") + std::strerror(errno);
  if (::setuid(user.uid) != 0) return std::string("setuid: ") + std::strerror(errno);
  ::setenv("HOME", user.home.c_str(), 1);
  ::setenv("USER", user.name.c_str(), 1);
  ::setenv("LOGNAME", user.name.c_str(), 1);
  return {};
}

int onlineCpus() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

void limitMallocArenas() {
  ::mallopt(M_ARENA_MAX, 2);
}

void releaseFreeMemory() {
  ::malloc_trim(0);
}

int currentPid() {
  return static_cast<int>(::getpid());
}

std::string enterDirectory(const std::string& dir) {
  if (::chdir(dir.c_str()) != 0) return "cannot enter " + dir + ": " + std::strerror(errno);
  return {};
}

std::string execReplace(const std::vector<std::string>& argv) {
  if (argv.empty()) return "no command to run";
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  ::execvp(cargv[0], cargv.data());
  return argv[0] + ": " + std::strerror(errno);
}

}  // namespace pgbr
