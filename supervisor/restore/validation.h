// Checks a restore request against what the repository holds, before anything is stopped: a
// refusal here leaves Postgres untouched. Pure: the repository model, the end of the archived WAL
// and the time are inputs, so every rule is unit-tested on a fake clock and a made-up model.
//
// What it checks, as far as the repository and the running server can tell: the confirmation (the
// stanza's name), that a backup exists, that a named set exists, a time target against the
// recoverable window (from the stop of the oldest usable backup, or of the set, to the newest
// archived WAL), an LSN target against the WAL there is (from the end of the oldest usable backup
// to the end of the archive or the server's current position, whichever is later: a restore keeps
// pg_wal, so recovery reads it after the archive), an xid against the server's next transaction id
// (an id not assigned yet is never reached), and a restore point the supervisor recorded by its
// LSN. What cannot be bounded here (an xid in the past, a restore point nobody recorded) is left to
// the restore job, which recovers to the end of the WAL when the target is not reached.
//
// For an LSN or a recorded restore point without a set, the plan names the backup to start from:
// the newest one that ended at or before the target (pgBackRest 2.45 takes the latest backup for
// these types, which may have ended after the target).
#pragma once

#include <optional>
#include <string>

#include "supervisor/backrest/info.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/errors.h"
#include "supervisor/restore/restore_request.h"

namespace pgbr {

struct RestoreFacts {
  std::string stanza;
  bool initialised = true;                    // false while the data directory is initialised
  const backrest::InfoModel* info = nullptr;  // nullptr: the repository was not read yet
  std::optional<WallTime> archived_until;     // the newest archived WAL's time
  WallTime now{};
  // From the running server, when it runs: the next transaction id (epoch-qualified, as
  // pg_snapshot_xmax(pg_current_snapshot()) says) and the WAL insert position.
  std::optional<uint64_t> next_xid;
  std::optional<uint64_t> current_lsn;
  // For type "name": the LSN of the restore point when the supervisor recorded it.
  std::optional<uint64_t> named_point_lsn;
  uint64_t wal_segment_size = 16 * 1024 * 1024;
  // The stanza holds another database's backups (backrest/stanza_owner.h): a restore would
  // replace this database with that one, so it is refused.
  std::optional<std::string> stanza_mismatch;
};

// What the restore job should do beyond the request.
struct RestorePlan {
  std::string set;  // the backup to start from, when validation chose it (empty: as asked)
};

// nullopt when the request may go ahead (and *plan, when given, says how); otherwise the error to
// answer with.
std::optional<Error> validateRestore(const RestoreRequest& request, const RestoreFacts& facts,
                                     RestorePlan* plan = nullptr);

// The LSN just after the last byte of a WAL segment ("000000010000000A000000FF"), or nullopt when
// the name is not a segment's.
std::optional<uint64_t> walSegmentEnd(const std::string& segment, uint64_t segment_size);

// "0/16B3740" for 0x16B3740.
std::string formatLsn(uint64_t lsn);

// "0/16B3740" -> 0x16B3740; nullopt when the text is not an LSN.
std::optional<uint64_t> parseLsn(const std::string& text);

}  // namespace pgbr
