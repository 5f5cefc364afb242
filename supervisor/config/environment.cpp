#include "supervisor/config/environment.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

// Declared by <unistd.h>, which only os/ includes; this is the one variable configuration needs
// from it, to list the variable names (getenv() can only ask for names already known).
extern "C" char** environ;

namespace pgbr {

namespace {

std::string lowercaseAscii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::optional<std::string> ProcessEnvironment::get(std::string_view name) const {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::vector<std::string> ProcessEnvironment::names() const {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    result.emplace_back(text.substr(0, eq));
  }
  return result;
}

std::optional<std::string> MapEnvironment::get(std::string_view name) const {
  const auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> MapEnvironment::names() const {
  std::vector<std::string> result;
  result.reserve(vars_.size());
  for (const auto& [name, value] : vars_) result.push_back(name);
  return result;
}

std::optional<std::string> DiskFileReader::read(const std::string& path, std::string* error) const {
  // An ifstream opens a directory without complaint and then reads nothing: ask first, so the
  // message says what is wrong instead of handing back an empty secret.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "is a directory";
    return std::nullopt;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = errno != 0 ? lowercaseAscii(std::strerror(errno)) : "cannot open";
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    *error = "read failed";
    return std::nullopt;
  }
  return content.str();
}

std::optional<std::string> MapFileReader::read(const std::string& path, std::string* error) const {
  if (std::find(denied_.begin(), denied_.end(), path) != denied_.end()) {
    *error = "permission denied";
    return std::nullopt;
  }
  const auto it = files_.find(path);
  if (it == files_.end()) {
    *error = "no such file or directory";
    return std::nullopt;
  }
  return it->second;
}

}  // namespace pgbr
