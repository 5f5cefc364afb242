#include "supervisor/restore/validation.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

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

// The newest backup a recovery to `lsn` can start from: usable (not in error, its WAL in the
// archive) and ended at or before it. Null when none did.
const backrest::BackupInfo* backupBefore(const backrest::InfoModel& info, uint64_t lsn) {
  const backrest::BackupInfo* oldest = backrest::oldestRecoverableBackup(info);
  if (!oldest) return nullptr;
  const backrest::BackupInfo* best = nullptr;
  for (const backrest::BackupInfo& backup : info.backups) {
    if (backup.error || backup.finished_at < oldest->finished_at || !backup.lsn_stop) continue;
    auto stop = parseLsn(*backup.lsn_stop);
    if (stop && *stop <= lsn && (!best || backup.finished_at > best->finished_at)) best = &backup;
  }
  return best;
}

// Where the WAL recovery can read ends: the archive's newest segment, or the running server's
// position when that is later (pg_wal survives the restore and is read after the archive).
std::optional<uint64_t> walEnd(const RestoreFacts& facts) {
  std::optional<uint64_t> end;
  if (const backrest::ArchiveRange* archive = backrest::currentArchive(*facts.info);
      archive && archive->max)
    end = walSegmentEnd(*archive->max, facts.wal_segment_size);
  if (facts.current_lsn && (!end || *facts.current_lsn > *end)) end = facts.current_lsn;
  return end;
}

// An LSN (typed, or a recorded restore point's) against the WAL there is; picks the backup.
std::optional<Error> checkLsnBounds(const std::string& what, uint64_t lsn,
                                    const RestoreFacts& facts, const backrest::BackupInfo* set,
                                    RestorePlan* plan) {
  if (auto end = walEnd(facts); end && lsn > *end) {
    return unrecoverable(what + " is beyond the end of the WAL (" + formatLsn(*end) +
                         "): recovery would never reach it; choose an earlier target");
  }
  if (set) {
    auto stop = set->lsn_stop ? parseLsn(*set->lsn_stop) : std::nullopt;
    if (stop && lsn < *stop) {
      return unrecoverable(what + " is before the end of backup " + set->label + " (" +
                           *set->lsn_stop + "); choose a later target or an older backup set");
    }
    return std::nullopt;
  }
  const backrest::BackupInfo* base = backupBefore(*facts.info, lsn);
  if (!base) {
    const backrest::BackupInfo* oldest = backrest::oldestRecoverableBackup(*facts.info);
    return unrecoverable(what + " is before the end of the oldest usable backup" +
                         (oldest && oldest->lsn_stop
                              ? " (" + oldest->label + ", " + *oldest->lsn_stop + ")"
                              : std::string()) +
                         "; choose a later target");
  }
  if (plan) plan->set = base->label;
  return std::nullopt;
}

std::optional<Error> checkLsn(const RestoreRequest& request, const RestoreFacts& facts,
                              const backrest::BackupInfo* set, RestorePlan* plan) {
  auto lsn = parseLsn(request.target);
  if (!lsn) return bad("target: an LSN looks like 0/16B3740");
  return checkLsnBounds("target LSN " + request.target, *lsn, facts, set, plan);
}

std::optional<Error> checkXid(const RestoreRequest& request, const RestoreFacts& facts) {
  uint64_t xid = 0;
  const std::string& t = request.target;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), xid);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty())
    return bad("target: a transaction id is a number, like 1234");
  // An epoch-qualified id (txid_current()) compares with the next one directly, and so does any id
  // while the server is still in its first epoch; a bare 32-bit id after a wraparound does not.
  const bool comparable =
      xid > 0xFFFFFFFFULL || (facts.next_xid && *facts.next_xid <= 0xFFFFFFFFULL);
  if (facts.next_xid && comparable && xid >= *facts.next_xid) {
    return unrecoverable("transaction " + t + " has not been assigned yet (the next id is " +
                         std::to_string(*facts.next_xid) +
                         "): recovery would never reach it; choose a committed transaction");
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> walSegmentEnd(const std::string& segment, uint64_t segment_size) {
  if (segment.size() < 24 || segment_size == 0) return std::nullopt;
  auto hex = [&](size_t at) -> std::optional<uint64_t> {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(segment.data() + at, segment.data() + at + 8, v, 16);
    if (ec != std::errc() || end != segment.data() + at + 8) return std::nullopt;
    return v;
  };
  auto log = hex(8);
  auto seg = hex(16);
  if (!log || !seg) return std::nullopt;
  const uint64_t per_log = 0x100000000ULL / segment_size;
  return (*log * per_log + *seg + 1) * segment_size;
}

std::string formatLsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xFFFFFFFFULL));
  return buf;
}

std::optional<Error> validateRestore(const RestoreRequest& request, const RestoreFacts& facts,
                                     RestorePlan* plan) {
  if (request.confirm != facts.stanza) {
    return Error{ErrorCode::kConfirmRequired,
                 "a restore replaces the database's current contents; confirm it by sending "
                 "\"confirm\": \"" +
                     facts.stanza + "\" (the stanza name)"};
  }
  if (!facts.initialised) return bad("postgres is still being initialised");
  if (facts.stanza_mismatch)
    return Error{ErrorCode::kConflict, "refused, nothing was changed: " + *facts.stanza_mismatch};
  if (!facts.info || facts.info->backups.empty())
    return unrecoverable("the repository holds no backup to restore from");
  const backrest::BackupInfo* set = nullptr;
  if (!request.set.empty()) {
    set = backrest::findBackup(*facts.info, request.set);
    if (!set) return bad("no backup labelled " + request.set + " in the repository");
  }
  if (request.type == "time") return checkTime(request, facts, set);
  if (request.type == "lsn") return checkLsn(request, facts, set, plan);
  if (request.type == "xid") return checkXid(request, facts);
  if (request.type == "name" && facts.named_point_lsn) {
    return checkLsnBounds(
        "restore point " + request.target + " (" + formatLsn(*facts.named_point_lsn) + ")",
        *facts.named_point_lsn, facts, set, plan);
  }
  return std::nullopt;
}

}  // namespace pgbr
