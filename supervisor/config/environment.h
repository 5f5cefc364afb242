// The two things configuration reads from the outside world, behind small interfaces so that
// loading is a pure function in tests: the process environment and the content of files named by
// `_FILE` variables (Docker and Kubernetes secrets). The real implementations read `environ` and
// the disk; the map-backed ones serve tests and any caller that builds an environment by hand.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgbr {

class Environment {
 public:
  virtual ~Environment() = default;
  // The value of `name`, or nullopt when it is not set. Set-but-empty is "".
  virtual std::optional<std::string> get(std::string_view name) const = 0;
  // Every variable name present, in no particular order.
  virtual std::vector<std::string> names() const = 0;
};

// The environment of this process, read live from `environ`.
class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> get(std::string_view name) const override;
  std::vector<std::string> names() const override;
};

class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(const std::map<std::string, std::string>& vars)
      : vars_(vars.begin(), vars.end()) {}

  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  void unset(const std::string& name) { vars_.erase(name); }

  std::optional<std::string> get(std::string_view name) const override;
  std::vector<std::string> names() const override;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

class FileReader {
 public:
  virtual ~FileReader() = default;
  // The whole content of `path`, or nullopt with a lowercase reason in *error ("no such file or
  // directory", "permission denied", "is a directory").
  virtual std::optional<std::string> read(const std::string& path, std::string* error) const = 0;
};

class DiskFileReader final : public FileReader {
 public:
  std::optional<std::string> read(const std::string& path, std::string* error) const override;
};

// Files held in memory; a path not added reads as "no such file or directory", and a path added
// with unreadable() as "permission denied", so tests reach both failures.
class MapFileReader final : public FileReader {
 public:
  void add(std::string path, std::string content) { files_[std::move(path)] = std::move(content); }
  void unreadable(std::string path) { denied_.push_back(std::move(path)); }

  std::optional<std::string> read(const std::string& path, std::string* error) const override;

 private:
  std::map<std::string, std::string> files_;
  std::vector<std::string> denied_;
};

}  // namespace pgbr
