#include "supervisor/postgres/major_version.h"

#include <cctype>
#include <fstream>

#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// "17.12" -> "17", "9.6.24" -> "9.6", "18beta1" -> "18", "x" -> "".
std::string majorOf(std::string_view version) {
  std::size_t end = 0;
  while (end < version.size() && isDigit(version[end])) ++end;
  if (end == 0) return "";
  const std::string first(version.substr(0, end));
  // Two digits or more: 10 and later, whose major is one number (and no stoi to overflow).
  if (first.size() >= 2 || end >= version.size() || version[end] != '.') return first;
  std::size_t minor_end = end + 1;
  while (minor_end < version.size() && isDigit(version[minor_end])) ++minor_end;
  if (minor_end == end + 1) return first;
  return std::string(version.substr(0, minor_end));
}

}  // namespace

std::string dataDirectoryMajor(const fs::path& pgdata) {
  std::ifstream in(pgdata / "PG_VERSION");
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  const std::string major = majorOf(line);
  return major == line ? major : "";
}

std::string serverMajorFromVersionLine(std::string_view line) {
  constexpr std::string_view kMarker = "(PostgreSQL) ";
  const std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return "";
  return majorOf(line.substr(at + kMarker.size()));
}

std::string binariesMajor(const Settings& settings, Children& children) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "postgres"), "--version"};
  RunOptions options;
  options.timeout = Millis(30000);
  const RunResult ran = runCommand(children, spec, nullptr, options);
  if (!ran.success() || ran.last_lines.empty()) return "";
  return serverMajorFromVersionLine(ran.last_lines.back());
}

std::string majorVersionMismatch(const fs::path& pgdata, const std::string& data_major,
                                 const std::string& server_major, const std::string& bindir) {
  if (data_major.empty() || server_major.empty() || data_major == server_major) return "";
  return "the data directory " + pgdata.string() + " was made by PostgreSQL " + data_major +
         " and the PostgreSQL here is " + server_major + " (" + bindir +
         "), which cannot open it; nothing in it was changed. Run PostgreSQL " + data_major +
         " on it again (the " + data_major + " image, or PGBR_PG_BINDIR), or move the data to " +
         server_major + " with a dump and restore: pg_dumpall from " + data_major + ", psql into " +
         server_major +
         " on a new data directory (README: \"Moving to another PostgreSQL major version\")";
}

}  // namespace pgbr
