// The three kinds of pgBackRest backup the supervisor takes, and how they relate. A full backup
// copies the whole cluster; a diff copies what changed since the last full; an incr what changed
// since the last backup of any kind. So a successful full also does the job of a diff or an
// incr, and a diff that of an incr: covers() says so, and the scheduler and the job queue use it
// to avoid running a smaller backup right after a larger one.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace pgbr {

enum class BackupType { kFull, kDiff, kIncr };

// Largest first, the order in which the scheduler picks among due types.
inline constexpr std::array<BackupType, 3> kBackupTypes = {BackupType::kFull, BackupType::kDiff,
                                                           BackupType::kIncr};

// pgBackRest's own names: "full", "diff", "incr".
std::string_view toString(BackupType type);
// Exact, lowercase pgBackRest names only; anything else is nullopt.
std::optional<BackupType> parseBackupType(std::string_view text);

// True when a successful `taken` backup makes a `wanted` one unnecessary: same type or larger.
constexpr bool covers(BackupType taken, BackupType wanted) {
  return static_cast<int>(taken) <= static_cast<int>(wanted);
}

}  // namespace pgbr
