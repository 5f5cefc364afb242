#include "supervisor/restore/validation.h"

#include <algorithm>

#include "supervisor/backrest/command.h"
#include "supervisor/common/time_format.h"

namespace pgbr {

std::optional<uint64_t> parseLsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    size_t used_hi = 0;
    size_t used_lo = 0;
    const std::string hi_text = text.substr(0, slash);
    const std::string lo_text = text.substr(slash + 1);
    uint64_t hi = std::stoull(hi_text, &used_hi, 16);
    uint64_t lo = std::stoull(lo_text, &used_lo, 16);
    if (used_hi != hi_text.size() || used_lo != lo_text.size() || hi > 0xFFFFFFFFULL ||
        lo > 0xFFFFFFFFULL)
      return std::nullopt;
    return (hi << 32) | lo;
  } catch (...) {
    return std::nullopt;
  }
}

namespace {

Error bad(std::string message) {
  return Error{ErrorCode::kBadRequest, std::move(message)};
}
Error unrecoverable(std::string message) {
  return Error{ErrorCode::kUnrecoverable, std::move(message)};
}

std::optional<Error> checkTime(const RestoreRequest& request, const RestoreFacts& facts,
                               const backrest::BackupInfo* set) {
  const backrest::InfoModel& info = *facts.info;
  std::string error;
  auto instant = backrest::targetTimeInstant(request.target, &error);
  if (!instant) return bad("target: " + error);
  const auto from = backrest::recoverableFrom(info);
  // pgBackRest takes the newest backup whose stop time (whole seconds) is before the target's
  // whole second: a target within the second a backup finished finds none, and the restore
  // would fail with Postgres already stopped. The earliest target is one second later.
  const WallTime lower =
      (set ? set->finished_at : from.value_or(info.backups.front().finished_at)) + Seconds(1);
  const WallTime upper = facts.archived_until.value_or(facts.now);
  if (*instant < lower || *instant > std::max(upper, facts.now)) {
    return unrecoverable("target " + request.target + " is outside the recoverable window " +
                         formatRfc3339(lower) + " .. " + formatRfc3339(upper) +
                         (set ? " of backup " + set->label : std::string()) +
                         "; choose a time inside it");
  }
  if (facts.archived_until && *instant > *facts.archived_until) {
    // After the newest archived WAL but before now: only reachable if the WAL still to be
    // archived arrives. Refuse rather than restore to a point that may not exist.
    return unrecoverable("target " + request.target + " is after the newest archived WAL (" +
                         formatRfc3339(*facts.archived_until) +
                         "); wait for archiving (archive_timeout) or choose an earlier time");
  }
  return std::nullopt;
}

std::optional<Error> checkLsn(const RestoreRequest& request, const RestoreFacts& facts,
                              const backrest::BackupInfo* set) {
  auto lsn = parseLsn(request.target);
  if (!lsn) return bad("target: an LSN looks like 0/16B3740");
  const backrest::BackupInfo* base = set ? set : backrest::oldestRecoverableBackup(*facts.info);
  if (base && base->lsn_stop) {
    auto stop = parseLsn(*base->lsn_stop);
    if (stop && *lsn < *stop) {
      return unrecoverable("target LSN " + request.target + " is before the end of backup " +
                           base->label + " (" + *base->lsn_stop +
                           "); choose a later LSN or an older backup set");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> validateRestore(const RestoreRequest& request, const RestoreFacts& facts) {
  if (request.confirm != facts.stanza) {
    return Error{ErrorCode::kConfirmRequired,
                 "a restore replaces the database's current contents; confirm it by sending "
                 "\"confirm\": \"" +
                     facts.stanza + "\" (the stanza name)"};
  }
  if (!facts.initialised) return bad("postgres is still being initialised");
  if (!facts.info || facts.info->backups.empty())
    return unrecoverable("the repository holds no backup to restore from");
  const backrest::BackupInfo* set = nullptr;
  if (!request.set.empty()) {
    set = backrest::findBackup(*facts.info, request.set);
    if (!set) return bad("no backup labelled " + request.set + " in the repository");
  }
  if (request.type == "time") return checkTime(request, facts, set);
  if (request.type == "lsn") return checkLsn(request, facts, set);
  return std::nullopt;
}

}  // namespace pgbr
