// Whether WAL archiving keeps up, judged from what Postgres says (pg_stat_archiver) and what
// waits in pg_wal/archive_status. A pure function of its inputs, so the rules are unit-tested:
// a waiting segment older than the alert age, or a last attempt that failed after the last
// success, is a problem; everything else is healthy, with a message saying why.
#pragma once

#include <optional>
#include <string>

#include "supervisor/common/clock.h"
#include "supervisor/postgres/status.h"

namespace pgbr {

struct ArchiveHealth {
  bool known = false;  // anything was read: Postgres' figures or the archive_status folder
  PostgresStatus pg;
  ArchiveQueue queue;
  bool healthy = true;
  // "healthy", "failing", or "unknown" while Postgres is stopped (or being restored) and nothing
  // waiting in archive_status says it is failing: then `healthy` is the last known judgement.
  std::string state = "healthy";
  std::string message;
  // The last state judged while Postgres ran, and when (kept by the monitor across stops).
  std::string last_known_state;
  std::optional<WallTime> last_known_at;
  std::optional<WallTime> checked_at;
};

// `running`: Postgres is up and not being restored (pg was read). `alert_age`: how long a
// segment may wait before archiving counts as failing.
ArchiveHealth evaluateArchiveHealth(PostgresStatus pg, ArchiveQueue queue, bool running,
                                    Seconds alert_age, WallTime now);

// What a new judgement keeps of the previous one. While Postgres is not read, its last read
// figures stay (what was archived, and which database this is: version and system identifier,
// so a restore into another database's stanza is still refused while Postgres is down); an
// "unknown" state carries the last known judgement and when it was made.
void carryOverLastKnown(const ArchiveHealth& previous, ArchiveHealth* next);

}  // namespace pgbr
