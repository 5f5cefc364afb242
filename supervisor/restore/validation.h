// Checks a restore request against what the repository holds, before anything is stopped: a
// refusal here leaves Postgres untouched. Pure: the repository model, the end of the archived WAL
// and the time are inputs, so every rule is unit-tested on a fake clock and a made-up model.
//
// What it checks, as far as the repository can tell: the confirmation (the stanza's name), that a
// backup exists, that a named set exists, a time target against the recoverable window (from the
// stop of the oldest usable backup, or of the set, to the newest archived WAL), and an LSN target
// against the end of the backup it would start from.
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
};

// nullopt when the request may go ahead; otherwise the error to answer with.
std::optional<Error> validateRestore(const RestoreRequest& request, const RestoreFacts& facts);

// "0/16B3740" -> 0x16B3740; nullopt when the text is not an LSN.
std::optional<uint64_t> parseLsn(const std::string& text);

}  // namespace pgbr
