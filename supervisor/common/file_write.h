// Writing a file so that a crash or power loss leaves either the old content or the new one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgbr {

// Writes `content` to a temporary sibling of `path` with `perms`, flushes it to disk, renames it
// over `path` and flushes the directory, so a reader (Postgres reloading its settings) sees the
// old content or the new, never half, and after the call returns a crash cannot undo the write.
// Returns the error, or "" on success.
std::string writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                                std::filesystem::perms perms);

// writeFileAtomically, unless `path` is already a regular file (not a symlink) with exactly
// `perms` and `content`: files rendered at every start are then left alone, which spares the
// start two fsyncs per file (several milliseconds each on a busy disk) and keeps their mtime.
// Returns the error, or "" on success.
std::string writeFileIfChanged(const std::filesystem::path& path, std::string_view content,
                               std::filesystem::perms perms);

}  // namespace pgbr
