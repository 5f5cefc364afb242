#include "supervisor/restore/recovery_conf.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace pgbr {

namespace {

bool isTargetSetting(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return false;
  line.remove_prefix(i);
  constexpr std::string_view kPrefix = "recovery_target";
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  size_t end = kPrefix.size();
  while (end < line.size() &&
         (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_'))
    ++end;
  const std::string_view name = line.substr(0, end);
  const std::string_view rest = line.substr(end);
  const size_t eq = rest.find_first_not_of(" \t");
  if (eq == std::string_view::npos || rest[eq] != '=') return false;
  return name == "recovery_target" || name == "recovery_target_xid" ||
         name == "recovery_target_time" || name == "recovery_target_lsn" ||
         name == "recovery_target_name" || name == "recovery_target_inclusive";
}

}  // namespace

std::string disableRecoveryTargets(const std::string& text, int* disabled) {
  *disabled = 0;
  std::string out;
  out.reserve(text.size() + 256);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    const std::string_view line(text.data() + pos, end - pos);
    if (isTargetSetting(line)) {
      out += "# not reached, disabled by pgbr-supervisor: ";
      ++*disabled;
    }
    out += line;
    pos = end;
  }
  return out;
}

std::string disableRecoveryTargetsIn(const std::string& pgdata, int* disabled) {
  *disabled = 0;
  const std::string path = pgdata + "/postgresql.auto.conf";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path + ": " + std::strerror(errno);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  in.close();
  const std::string rewritten = disableRecoveryTargets(buffer.str(), disabled);
  if (*disabled == 0) return {};
  // Truncating the existing file keeps its owner (postgres) and mode.
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << rewritten;
  out.flush();
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  return {};
}

}  // namespace pgbr
