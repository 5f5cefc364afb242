#include "supervisor/monitor/archive_health.h"

#include <vector>

namespace pgbr {

ArchiveHealth evaluateArchiveHealth(PostgresStatus pg, ArchiveQueue queue, bool running,
                                    Seconds alert_age, WallTime now) {
  ArchiveHealth health;
  health.checked_at = now;
  health.pg = std::move(pg);
  health.queue = std::move(queue);
  health.known = health.pg.ok || health.queue.ok;
  std::vector<std::string> problems;
  if (health.queue.ok && health.queue.oldest_age && *health.queue.oldest_age > alert_age)
    problems.push_back(std::to_string(health.queue.ready_count) +
                       " WAL segment(s) waiting, oldest " +
                       std::to_string(health.queue.oldest_age->count()) + " s");
  const auto& a = health.pg.archiver;
  if (health.pg.ok && a.last_failed_time &&
      (!a.last_archived_time || *a.last_failed_time > *a.last_archived_time))
    problems.push_back("the last archive attempt failed (" + a.last_failed_wal + ")");
  health.healthy = problems.empty();
  health.state = problems.empty() ? (running ? "healthy" : "unknown") : "failing";
  if (!problems.empty()) {
    health.message = "archiving is failing: " + problems.front();
    for (size_t i = 1; i < problems.size(); ++i) health.message += "; " + problems[i];
  } else if (!running) {
    health.message = "unknown while postgres is stopped";
  } else if (health.pg.ok && !a.last_archived_wal.empty()) {
    health.message = "archiving is healthy";
  } else {
    health.message = "no WAL segment archived yet";
  }
  return health;
}

void carryOverLastKnown(const ArchiveHealth& previous, ArchiveHealth* next) {
  if (!next->pg.ok) {
    next->pg.archiver = previous.pg.archiver;
    next->pg.server_version = previous.pg.server_version;
    next->pg.server_version_num = previous.pg.server_version_num;
    next->pg.system_identifier = previous.pg.system_identifier;
  }
  if (next->state != "unknown") {
    next->last_known_state = next->state;
    next->last_known_at = next->checked_at;
    return;
  }
  const bool was_unknown = previous.state == "unknown";
  next->last_known_state = was_unknown ? previous.last_known_state : previous.state;
  next->last_known_at = was_unknown ? previous.last_known_at : previous.checked_at;
  if (!next->last_known_state.empty() && previous.known) {
    next->healthy = next->last_known_state == "healthy";
    next->message += "; last known: " + next->last_known_state;
  } else {
    next->last_known_state.clear();
  }
}

}  // namespace pgbr
