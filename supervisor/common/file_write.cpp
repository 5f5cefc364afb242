#include "supervisor/common/file_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

namespace pgbr {

namespace {

namespace fs = std::filesystem;

// Closes the descriptor when the scope ends, unless release() took it.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string errorText(int err) {
  return std::strerror(err);
}

bool writeAll(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    content.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::string writeFileAtomically(const fs::path& path, std::string_view content, fs::perms perms) {
  std::random_device random;
  const auto suffix = std::to_string(random()) + std::to_string(random());
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp" + suffix);
  // O_EXCL: fail rather than write through a file (or symlink) someone else put there. The mode
  // is set before any byte is written, so the content is never readable with looser permissions.
  Descriptor file(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (file.get() < 0) return "cannot create " + tmp.string() + ": " + errorText(errno);
  std::error_code ec;
  fs::permissions(tmp, perms, fs::perm_options::replace, ec);
  std::string why;
  if (ec) {
    why = ec.message();
  } else if (!writeAll(file.get(), content) || ::fsync(file.get()) != 0) {
    why = errorText(errno);
  }
  if (why.empty() && ::close(file.release()) != 0) why = errorText(errno);
  if (!why.empty()) {
    fs::remove(tmp, ec);
    return "cannot write " + tmp.string() + ": " + why;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    why = ec.message();
    fs::remove(tmp, ec);
    return "cannot replace " + path.string() + ": " + why;
  }
  // The rename is only durable once the directory entry is.
  Descriptor directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() < 0 || ::fsync(directory.get()) != 0) {
    return "wrote " + path.string() + " but cannot flush its directory: " + errorText(errno);
  }
  return "";
}

std::string writeFileIfChanged(const fs::path& path, std::string_view content, fs::perms perms) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (!ec && fs::is_regular_file(status) && status.permissions() == perms) {
    // O_NOFOLLOW: the check above and this open see the same file, or the open fails.
    Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (file.get() >= 0) {
      std::string existing;
      existing.reserve(content.size() + 1);
      char buffer[8192];
      ssize_t n = 0;
      // One byte more than `content` is enough to tell a longer file apart.
      while (existing.size() <= content.size() &&
             ((n = ::read(file.get(), buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))) {
        if (n > 0) existing.append(buffer, static_cast<size_t>(n));
      }
      if (n >= 0 && existing == content) return "";
    }
  }
  return writeFileAtomically(path, content, perms);
}

}  // namespace pgbr
