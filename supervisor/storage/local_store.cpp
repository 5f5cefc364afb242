// LocalStore (local_store.h) and the key rules of object_store.h.
#include "supervisor/storage/local_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pgbr {

namespace fs = std::filesystem;

namespace {

bool validPart(std::string_view part) {
  if (part.empty() || part.front() == '.') return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string errnoText(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// fsync of a folder, so a rename or an unlink in it survives a crash.
std::string syncFolder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoText("cannot open", dir);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? "" : errnoText("cannot fsync", dir);
}

class LocalWriter : public ObjectWriter {
 public:
  LocalWriter(int fd, fs::path temp, fs::path target)
      : fd_(fd), temp_(std::move(temp)), target_(std::move(target)) {}
  ~LocalWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }
  LocalWriter(const LocalWriter&) = delete;
  LocalWriter& operator=(const LocalWriter&) = delete;

  std::string write(std::string_view bytes) override {
    if (fd_ < 0) return "the object " + target_.string() + " is already closed";
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errnoText("cannot write", temp_);
      bytes.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
    }
    return "";
  }

  std::string commit() override {
    if (fd_ < 0) return "the object " + target_.string() + " is already closed";
    if (::fsync(fd_) != 0) return errnoText("cannot fsync", temp_);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return errnoText("cannot close", temp_);
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      return errnoText("cannot rename into", target_);
    committed_ = true;
    return syncFolder(target_.parent_path());
  }

  uint64_t written() const override { return written_; }

 private:
  int fd_;
  fs::path temp_;
  fs::path target_;
  uint64_t written_ = 0;
  bool committed_ = false;
};

}  // namespace

bool validKey(std::string_view key) {
  if (key.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    if (!validPart(key.substr(start, slash == std::string_view::npos ? slash : slash - start)))
      return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool validPrefix(std::string_view prefix) {
  if (prefix.empty()) return true;
  if (prefix.back() == '/') prefix.remove_suffix(1);
  return validKey(prefix);
}

LocalStore::LocalStore(fs::path root) : root_(root.lexically_normal()) {
  if (!root_.has_filename()) root_ = root_.parent_path();  // "/repo/dumps/" as "/repo/dumps"
}

std::string LocalStore::describe() const {
  return "local " + root_.string();
}

std::unique_ptr<ObjectWriter> LocalStore::create(const std::string& key, std::string* error) {
  if (!validKey(key)) {
    *error = "not a valid object name: " + key;
    return nullptr;
  }
  const fs::path target = root_ / key;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    *error = "cannot create " + target.parent_path().string() + ": " + ec.message();
    return nullptr;
  }
  static std::atomic<uint64_t> counter{0};
  const fs::path temp =
      target.parent_path() / ("." + target.filename().string() + ".part-" +
                              std::to_string(::getpid()) + "-" + std::to_string(++counter));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = errnoText("cannot create", temp);
    return nullptr;
  }
  return std::make_unique<LocalWriter>(fd, temp, target);
}

std::string LocalStore::read(const std::string& key, const ChunkSink& sink) {
  if (!validKey(key)) return "not a valid object name: " + key;
  const fs::path path = root_ / key;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errnoText("cannot open", path);
  std::vector<char> buffer(256 * 1024);
  std::string error;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errnoText("cannot read", path);
      break;
    }
    if (n == 0) break;
    if (!sink(std::string_view(buffer.data(), static_cast<size_t>(n)))) {
      error = "stopped by the reader";
      break;
    }
  }
  ::close(fd);
  return error;
}

std::optional<uint64_t> LocalStore::size(const std::string& key, std::string* error) {
  if (!validKey(key)) {
    *error = "not a valid object name: " + key;
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path path = root_ / key;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return std::nullopt;
  if (ec) {
    *error = "cannot read " + path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (!fs::is_regular_file(status)) {
    *error = path.string() + " is not a file";
    return std::nullopt;
  }
  const uintmax_t bytes = fs::file_size(path, ec);
  if (ec) {
    *error = "cannot read " + path.string() + ": " + ec.message();
    return std::nullopt;
  }
  return static_cast<uint64_t>(bytes);
}

std::string LocalStore::list(const std::string& prefix, std::vector<ObjectInfo>* out) {
  out->clear();
  if (!validPrefix(prefix)) return "not a valid object prefix: " + prefix;
  std::error_code ec;
  if (!fs::exists(root_, ec))
    return ec ? "cannot read " + root_.string() + ": " + ec.message() : "";
  fs::recursive_directory_iterator it(root_, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;  // temporary files of unfinished writes, and anything hidden
    }
    if (!it->is_regular_file(ec)) continue;
    const std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0 || !validKey(key)) continue;
    const uintmax_t bytes = it->file_size(ec);
    if (ec) break;
    out->push_back({key, static_cast<uint64_t>(bytes)});
  }
  if (ec) return "cannot list " + root_.string() + ": " + ec.message();
  std::sort(out->begin(), out->end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return "";
}

std::string LocalStore::remove(const std::string& key) {
  if (!validKey(key)) return "not a valid object name: " + key;
  const fs::path path = root_ / key;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return "";
    return errnoText("cannot remove", path);
  }
  // Folders left empty go too, up to (not including) the root.
  std::error_code ec;
  fs::path dir = path.parent_path();
  while (dir != root_ && fs::is_empty(dir, ec) && !ec && fs::remove(dir, ec))
    dir = dir.parent_path();
  return syncFolder(dir);
}

}  // namespace pgbr
