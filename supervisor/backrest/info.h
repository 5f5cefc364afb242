// The repository as `pgbackrest info --output=json` describes it, parsed into plain structs, and
// the API's view of it. Parsing lives in info_parse.cpp, the questions asked of the model
// (latest backup, recoverable window) in info.cpp, the API's JSON in info_json.cpp.
//
// Policy:
// - `info` exits 0 even when the stanza is broken; `status.code` is the truth (InfoStatusCode).
//   A broken stanza is a valid model with a non-zero code, never a parse error.
// - Parsing never throws and never guesses: odd input (not JSON, a field of the wrong type, no
//   such stanza) gives nullopt and a lowercase message naming the field.
// - `system-id` exceeds 2^53, so it is read as an unsigned 64-bit integer and served as a string.
// - Backups keep pgBackRest's order (oldest first, by stop time across repositories).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"

namespace pgbr::backrest {

// Stanza status codes of pgBackRest 2.45 (src/command/info/info.c). A running backup or expire is
// not a code: it is `status.lock.backup.held` (InfoModel::backup_lock_held).
namespace info_status {
inline constexpr int kOk = 0;
inline constexpr int kMissingStanzaPath = 1;  // "missing stanza path": no stanza-create yet
inline constexpr int kNoValidBackups = 2;     // "no valid backups": stanza exists, no backup yet
inline constexpr int kMissingStanzaData = 3;  // "missing stanza data": info files missing
inline constexpr int kMixed = 4;              // "different across repos"
inline constexpr int kDatabaseMismatch = 5;   // "database mismatch across repos"
inline constexpr int kBackupMissing = 6;      // "requested backup not found" (info --set only)
inline constexpr int kOther = 99;             // "other": the repo's own message says what
}  // namespace info_status

struct InfoStatus {
  int code = info_status::kOther;
  std::string message;
};

struct RepoStatus {
  unsigned key = 0;    // repoN
  std::string cipher;  // "none", "aes-256-cbc"
  InfoStatus status;   // for code 99 the message carries pgBackRest's error text
};

struct DbHistory {
  unsigned id = 0;
  unsigned repo_key = 0;
  uint64_t system_id = 0;
  std::string version;  // "15"
};

struct ArchiveRange {
  std::string id;  // "15-1": Postgres version and db history id
  unsigned db_id = 0;
  unsigned repo_key = 0;
  std::optional<std::string> min;  // oldest WAL segment in the repository, none when empty
  std::optional<std::string> max;
};

struct BackupInfo {
  std::string label;
  std::string type;  // "full", "diff", "incr"
  WallTime started_at;
  WallTime finished_at;
  std::optional<std::string> wal_start;  // archive.start/stop: first and last WAL segment needed
  std::optional<std::string> wal_stop;
  std::optional<std::string> lsn_start;
  std::optional<std::string> lsn_stop;
  uint64_t size = 0;   // info.size: database size when the backup was taken
  uint64_t delta = 0;  // info.delta: bytes this backup copied
  // info.repository.size: the set's bytes in the repository (compressed). pgBackRest leaves it
  // out for bundled backups (repo-bundle, the 17 image's default): unknown then.
  std::optional<uint64_t> repo_size;
  uint64_t repo_delta = 0;  // info.repository.delta: bytes this backup added to the repository
  std::optional<std::string> prior;    // the backup a diff/incr builds on
  std::vector<std::string> reference;  // every backup whose files it reuses
  std::map<std::string, std::string> annotation;
  bool error = false;  // pgBackRest found page checksum errors while copying
  unsigned repo_key = 0;
  unsigned db_id = 0;
  std::string backrest_version;
};

struct InfoModel {
  std::string stanza;
  InfoStatus status;
  bool backup_lock_held = false;  // a backup or expire runs right now
  std::string cipher;
  std::vector<RepoStatus> repos;
  std::vector<DbHistory> dbs;  // oldest first; the last is the current cluster
  std::vector<ArchiveRange> archives;
  std::vector<BackupInfo> backups;  // oldest first
};

// Parses the whole output of `pgbackrest --stanza=NAME info --output=json` and picks the stanza
// by name. nullopt with *error set (error may be null) when the input is not what pgBackRest
// prints or the stanza is absent.
std::optional<InfoModel> parseInfo(std::string_view json, std::string_view stanza,
                                   std::string* error);
// The same for output that must hold exactly one stanza (info run with --stanza).
std::optional<InfoModel> parseInfo(std::string_view json, std::string* error);

// The backup with this label, or null.
const BackupInfo* findBackup(const InfoModel& info, std::string_view label);
// The backup that finished last, or null when there is none.
const BackupInfo* latest(const InfoModel& info);

// The oldest backup a point-in-time recovery can start from: not flagged in error, and every
// WAL segment from its start to its stop is still in the archive of its database (archive
// min <= backup WAL start and, when known, backup WAL stop <= archive max). Null when none.
const BackupInfo* oldestRecoverableBackup(const InfoModel& info);
// Start of the recoverable window: the stop time of oldestRecoverableBackup (recovery cannot
// end before a backup is consistent). The end comes from Postgres (last archived WAL time).
std::optional<WallTime> recoverableFrom(const InfoModel& info);

// The archive range of the current database (the newest db history entry), if any.
const ArchiveRange* currentArchive(const InfoModel& info);

// GET /api/v1/backups/{label}: {"label", "type", "started_at", "finished_at", "size",
// "repo_size", "wal_start", "wal_stop", "prior", "annotation", ...extras}.
nlohmann::json backupToApiJson(const BackupInfo& backup);
// GET /api/v1/backups: {"stanza", "status": {"code", "message"}, "backups": [...],
// "archive": {"min", "max"}, "recoverable": {"from", "to"}, ...extras}; "recoverable.to" is
// null here, the caller fills it from Postgres. For code 99 "message" is the repository's error
// text rather than pgBackRest's bare "other".
nlohmann::json toApiJson(const InfoModel& info);

}  // namespace pgbr::backrest
