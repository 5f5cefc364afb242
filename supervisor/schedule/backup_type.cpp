#include "supervisor/schedule/backup_type.h"

namespace pgbr {

std::string_view toString(BackupType type) {
  switch (type) {
    case BackupType::kFull:
      return "full";
    case BackupType::kDiff:
      return "diff";
    case BackupType::kIncr:
      return "incr";
  }
  return "unknown";
}

std::optional<BackupType> parseBackupType(std::string_view text) {
  for (BackupType type : kBackupTypes) {
    if (toString(type) == text) return type;
  }
  return std::nullopt;
}

}  // namespace pgbr
