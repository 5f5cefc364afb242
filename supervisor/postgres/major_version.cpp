#include "supervisor/postgres/major_version.h"

#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

std::string serverMajorFromVersionLine(std::string_view line) {
  constexpr std::string_view kMarker = "(PostgreSQL) ";
  const std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return "";
  return pgMajorOf(line.substr(at + kMarker.size()));
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
