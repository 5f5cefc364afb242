#include "supervisor/common/pg_major.h"

#include <cctype>
#include <fstream>

namespace pgbr {

namespace {

bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

std::string pgMajorOf(std::string_view version) {
  std::size_t end = 0;
  while (end < version.size() && isDigit(version[end])) ++end;
  if (end == 0) return "";
  const std::string first(version.substr(0, end));
  // Two digits or more: 10 and later, whose major is one number.
  if (first.size() >= 2 || end >= version.size() || version[end] != '.') return first;
  std::size_t minor_end = end + 1;
  while (minor_end < version.size() && isDigit(version[minor_end])) ++minor_end;
  if (minor_end == end + 1) return first;
  return std::string(version.substr(0, minor_end));
}

std::string dataDirectoryMajor(const std::filesystem::path& pgdata) {
  std::ifstream in(pgdata / "PG_VERSION");
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  const std::string major = pgMajorOf(line);
  return major == line ? major : "";
}

}  // namespace pgbr
