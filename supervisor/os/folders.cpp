#include "supervisor/os/folders.h"

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace pgbr {

namespace fs = std::filesystem;

namespace {

std::string named(const std::string& setting, const std::string& path) {
  return setting + "=" + path;
}

}  // namespace

std::string prepareFolder(const std::string& setting, const std::string& path, const UserInfo& user,
                          unsigned mode) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      return named(setting, path) + ": exists and is not a folder; point " + setting +
             " at a folder";
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};  // the check after dropping privileges reports
    if (st.st_uid != user.uid) {
      // Someone else's folder with something in it may be shared (/tmp, /var/log): not ours to
      // take. The check decides whether the user can write it anyway.
      if (!fs::is_empty(path, ec) || ec) return {};
      if (::chown(path.c_str(), user.uid, user.gid) != 0) {
        return named(setting, path) + ": cannot give it to " + user.name + ": " +
               std::strerror(errno);
      }
      ::chmod(path.c_str(), mode);
      return {};
    }
    return ensureOwnedTree(path, user, mode);
  }
  // Created from the top down, so that each new parent gets 0755 whatever the umask: the user
  // must be able to pass through them.
  fs::path current;
  for (const fs::path& part : fs::path(path)) {
    current /= part;
    if (fs::exists(current, ec)) continue;
    if (::mkdir(current.c_str(), 0755) != 0 && errno != EEXIST) {
      return named(setting, path) + ": cannot create " + current.string() + ": " +
             std::strerror(errno) + "; create it for " + user.name + " or point " + setting +
             " at another folder";
    }
    ::chmod(current.c_str(), 0755);
  }
  ::chmod(path.c_str(), mode);
  if (::chown(path.c_str(), user.uid, user.gid) != 0) {
    return named(setting, path) + ": cannot give it to " + user.name + ": " + std::strerror(errno);
  }
  return {};
}

std::string checkFolderWritable(const std::string& setting, const std::string& path) {
  const auto me = currentUser();
  const std::string who = me ? me->name : "this user";
  auto cannotWrite = [&](const std::string& reason) {
    return named(setting, path) + ": " + who + " cannot write there (" + reason +
           "); make the folder and the folders above it reachable and writable for " + who +
           ", or point " + setting + " at another folder";
  };
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return cannotWrite(ec.message());
  if (!fs::exists(status)) {  // started as the run user: nobody prepared it
    fs::create_directories(path, ec);
    if (ec) {
      return named(setting, path) + ": " + who + " cannot create it (" + ec.message() +
             "); create it for " + who + ", or point " + setting + " at another folder";
    }
    status = fs::status(path, ec);
  }
  if (!fs::is_directory(status)) {
    return named(setting, path) + ": exists and is not a folder; point " + setting + " at a folder";
  }
  if (::access(path.c_str(), W_OK | X_OK) != 0) return cannotWrite(std::strerror(errno));
  return {};
}

}  // namespace pgbr
