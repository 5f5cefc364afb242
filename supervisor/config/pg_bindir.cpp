#include "supervisor/config/pg_bindir.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// "15" -> (15, 0), "9.6" -> (9, 6); folders that are not a version sort first and are skipped.
std::pair<int, int> versionKey(const std::string& name) {
  int major = -1;
  int minor = 0;
  const char* end = name.data() + name.size();
  auto [p, ec] = std::from_chars(name.data(), end, major);
  if (ec != std::errc{}) return {-1, 0};
  if (p != end && *p == '.') {
    auto [q, ec2] = std::from_chars(p + 1, end, minor);
    if (ec2 != std::errc{}) return {-1, 0};
    p = q;
  }
  return p == end ? std::pair{major, minor} : std::pair{-1, 0};
}

}  // namespace

std::vector<std::string> installedPgMajors(const fs::path& root) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code exists_ec;
    if (versionKey(name).first >= 0 && fs::exists(it->path() / "bin" / "postgres", exists_ec))
      found.push_back(name);
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    return versionKey(a) < versionKey(b);
  });
  return found;
}

std::string choosePgBindir(std::string_view data_major, std::string_view pg_major,
                           const std::vector<std::string>& installed, const fs::path& root,
                           const std::string& fallback) {
  if (installed.empty()) return fallback;
  for (std::string_view wanted : {data_major, pg_major}) {
    const auto named = std::find(installed.begin(), installed.end(), wanted);
    if (!wanted.empty() && named != installed.end()) return (root / *named / "bin").string();
  }
  return (root / installed.back() / "bin").string();
}

}  // namespace pgbr
