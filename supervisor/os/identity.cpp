#include "supervisor/os/identity.h"

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

std::string ensureOwnedTree(const std::string& path, const UserInfo& user, unsigned mode) {
  if (auto err = ensureOwnedDir(path, user, mode); !err.empty()) return err;
  std::error_code ec;
  // Like the stock image's `find \! -user postgres -exec chown`: touch only what is wrong, so a
  // large, correctly owned data directory costs one walk and no writes.
  for (auto it = fs::recursive_directory_iterator(
           path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && st.st_uid != user.uid) {
      if (::lchown(it->path().c_str(), user.uid, user.gid) != 0)
        return "cannot give " + it->path().string() + " to " + user.name + ": " +
               std::strerror(errno);
    }
  }
  return {};
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
