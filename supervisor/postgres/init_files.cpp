#include "supervisor/postgres/init_files.h"

#include <algorithm>
#include <system_error>

#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// The text bash runs for a `*.sh` init file that is not executable. The stock image sources
// such files into its own shell, where they find docker_process_sql and the psql array; this
// defines the same two and sources the file, whose path arrives as $1 and is never part of the
// program text.
constexpr const char* kSourceScript = R"sh(
docker_process_sql() {
  local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ -n "$POSTGRES_DB" ]; then
    runner+=(--dbname "$POSTGRES_DB")
  fi
  "${runner[@]}" "$@"
}
psql=(docker_process_sql)
pgbr_init_file=$1
shift
. "$pgbr_init_file"
)sh";

bool isExecutable(const fs::file_status& status) {
  // Any execute bit, as the closest portable reading of `[ -x file ]`: init files are copied in
  // with 0755 or 0644, and a file executable only by another user fails to spawn, by name.
  const auto exec = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  return (status.permissions() & exec) != fs::perms::none;
}

}  // namespace

InitFileKind classifyInitFile(std::string_view name, bool executable) {
  if (name.ends_with(".sh")) return executable ? InitFileKind::kRun : InitFileKind::kSource;
  if (name.ends_with(".sql")) return InitFileKind::kSql;
  if (name.ends_with(".sql.gz")) return InitFileKind::kSqlGz;
  if (name.ends_with(".sql.xz")) return InitFileKind::kSqlXz;
  if (name.ends_with(".sql.zst")) return InitFileKind::kSqlZst;
  return InitFileKind::kIgnore;
}

InitFiles listInitFiles(const fs::path& dir) {
  InitFiles result;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return result;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    // Found now rather than after initdb, which would leave a data directory that the next
    // start skips without ever running the scripts.
    result.error = "cannot read the init directory " + dir.string() + ": " + ec.message();
    return result;
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    result.files.push_back(entry.path());
  }
  // std::string compares like memcmp: the byte order of `LC_ALL=C ls`.
  std::sort(result.files.begin(), result.files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return result;
}

InitFileKind classifyInitPath(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (ec || !fs::is_regular_file(status)) return InitFileKind::kIgnore;
  return classifyInitFile(file.filename().string(), isExecutable(status));
}

SpawnSpec sourceInitFileSpec(const std::string& file, std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {"bash", "-Eeo", "pipefail", "-c", kSourceScript, "pgbr-supervisor", file};
  spec.env = std::move(env);
  return spec;
}

SpawnSpec psqlFileSpec(const Settings& settings, const std::string& sql_file,
                       std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "psql"),
               "-v",
               "ON_ERROR_STOP=1",
               "--username",
               settings.init.user,
               "--no-password",
               "--no-psqlrc",
               "--dbname",
               settings.init.db,
               "-f",
               sql_file};
  spec.env = std::move(env);
  return spec;
}

const char* decompressorFor(InitFileKind kind) {
  return kind == InitFileKind::kSqlGz ? "gzip" : kind == InitFileKind::kSqlXz ? "xz" : "zstd";
}

}  // namespace pgbr
