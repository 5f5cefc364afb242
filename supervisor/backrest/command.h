// pgBackRest command lines: each function returns the argv of one pgbackrest run, ready for the
// spawner, or the reason the request was refused.
//
// Policy:
// - An argv vector, never a shell string: nothing here is ever parsed by a shell.
// - Every user-supplied value is validated before anything is built; a refusal is a lowercase
//   message naming the field, suitable for a 400 answer. A bad request never reaches a child.
// - User values are always glued to their option (`--target=VALUE`), so a value that starts with
//   `-` can never be read as an option of its own, and a value never becomes the command.
// - Jobs raise the console log level on the command line (the config file keeps the console at
//   warn for archive-push): backup and restore print per-file progress at `detail`, the others
//   their steps at `info`. Errors go to stderr either way, so the runner reads both streams.
// - Types are plain strings ("full", "diff", "incr"; restore "delta", "set", "time", "lsn",
//   "xid", "name", "immediate"), the words of the HTTP API, so this module depends on nothing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/backrest/target_time.h"  // normalizeTargetTime, for the time targets
#include "supervisor/common/clock.h"

namespace pgbr::backrest {

// What every command shares. `extra` holds options the supervisor itself adds (never user
// input), each a complete `--name=value` element.
struct CommandContext {
  std::string binary = "pgbackrest";
  std::string config_path;  // --config=...; empty leaves pgBackRest's default lookup
  std::string stanza;       // --stanza=...
  std::vector<std::string> extra;
};

using Argv = std::vector<std::string>;

struct BackupOptions {
  std::string type = "incr";                       // "full" | "diff" | "incr"
  std::map<std::string, std::string> annotations;  // one --annotation=key=value each
};

struct RestoreOptions {
  // "delta": latest backup, replay all WAL. "set": the backup `set`, replay all WAL.
  // "time" | "lsn" | "xid" | "name": recover to `target`. "immediate": stop as soon as the
  // backup (`set`, or the latest) is consistent.
  std::string type = "delta";
  std::string target;
  std::string set;  // a backup label; required for "set", optional for the others
  // What Postgres does at the target. Defaults to promote: a restore through the API should end
  // with a writable server; pgBackRest's own default (pause) leaves it read-only and waiting.
  // Ignored for "delta" and "set", which have no target.
  std::string target_action = "promote";
  std::vector<std::string> db_include;  // restore only these user databases (others zeroed)
};

std::optional<Argv> stanzaCreateCommand(const CommandContext& ctx, std::string* error);
std::optional<Argv> checkCommand(const CommandContext& ctx, std::string* error);
std::optional<Argv> backupCommand(const CommandContext& ctx, const BackupOptions& options,
                                  std::string* error);
// Applies the retention settings (run after every backup by pgBackRest itself, and on demand).
std::optional<Argv> expireCommand(const CommandContext& ctx, std::string* error);
// Expires the one backup `set` (and the diff/incr that depend on it).
std::optional<Argv> expireCommand(const CommandContext& ctx, std::string_view set,
                                  std::string* error);
// `info --output=json`, for parseInfo().
std::optional<Argv> infoCommand(const CommandContext& ctx, std::string* error);
// `repo-ls --output=json` of a path inside repository `repo_key` (the supervisor's own paths, never
// user input), for the newest archived WAL's time (repo_ls.h).
std::optional<Argv> repoLsCommand(const CommandContext& ctx, unsigned repo_key,
                                  const std::string& path, const std::string& filter,
                                  std::string* error);
std::optional<Argv> verifyCommand(const CommandContext& ctx, std::string* error);
// Always `--delta`: files that already match the backup are kept, which makes an in-place
// restore fast and removes whatever is not in the backup.
std::optional<Argv> restoreCommand(const CommandContext& ctx, const RestoreOptions& options,
                                   std::string* error);

// Validators, shared with the API layer so it can refuse a request before queueing a job. Each
// returns an empty string when the value is acceptable, else the lowercase reason.
std::string validateBackupType(std::string_view type);
// pgBackRest labels: YYYYMMDD-HHMMSSF, or YYYYMMDD-HHMMSSF_YYYYMMDD-HHMMSS followed by D or I.
std::string validateBackupLabel(std::string_view label);
std::string validateAnnotation(std::string_view key, std::string_view value);
// "X/X", each part 1 to 8 hex digits, as Postgres prints an LSN.
std::string validateLsn(std::string_view lsn);
std::string validateXid(std::string_view xid);
std::string validateRestorePointName(std::string_view name);
std::string validateDatabaseName(std::string_view name);

}  // namespace pgbr::backrest
