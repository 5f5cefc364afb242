// The files of /docker-entrypoint-initdb.d and how each is run, as the stock image's entrypoint
// runs them: in byte order (`LC_ALL=C ls`), hidden files left out; `*.sh` run when executable,
// else sourced by bash with the entrypoint's docker_process_sql function and psql array defined;
// `*.sql` through psql -v ON_ERROR_STOP=1; `*.sql.gz|xz|zst` decompressed, then through psql;
// anything else ignored.
//
// Policy: every command is an argv vector. The one bash program (for sourced scripts) is fixed
// text; the file's path reaches it as an argument, never as part of the program.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/config/settings.h"
#include "supervisor/os/process_ops.h"

namespace pgbr {

enum class InitFileKind { kRun, kSource, kSql, kSqlGz, kSqlXz, kSqlZst, kIgnore };
InitFileKind classifyInitFile(std::string_view name, bool executable);
// The kind of the file at `file`: kIgnore for what is not a regular file (or cannot be read).
InitFileKind classifyInitPath(const std::filesystem::path& file);

// The files of the init directory in byte order, hidden ones left out (a shell glob skips them).
// A missing directory is an empty list; one that cannot be read is an error.
struct InitFiles {
  std::vector<std::filesystem::path> files;
  std::string error;
};
InitFiles listInitFiles(const std::filesystem::path& dir);

// `bash -Eeo pipefail -c <program> pgbr-supervisor FILE`: sources FILE with docker_process_sql
// and the psql array defined, as the stock entrypoint's own shell would.
SpawnSpec sourceInitFileSpec(const std::string& file, std::vector<std::string> env);
// `psql -v ON_ERROR_STOP=1 --username USER --no-password --no-psqlrc --dbname DB -f FILE`.
SpawnSpec psqlFileSpec(const Settings& settings, const std::string& sql_file,
                       std::vector<std::string> env);
// The decompressor of a compressed SQL kind: "gzip", "xz" or "zstd".
const char* decompressorFor(InitFileKind kind);

}  // namespace pgbr
