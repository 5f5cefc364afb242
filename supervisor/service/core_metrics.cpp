#include "supervisor/service/core_metrics.h"

namespace pgbr {

namespace {

MetricValue exact(uint64_t value) {
  return static_cast<int64_t>(value);
}
MetricValue secondsBetween(WallTime from, WallTime to) {
  return static_cast<double>(std::chrono::duration_cast<Millis>(to - from).count()) / 1000.0;
}

void addRepository(Metrics& m, const CoreMetricsInput& in) {
  const std::string& stanza = in.stanza;
  m.push_back({"pgbackrest_stanza_status",
               "gauge",
               "pgBackRest stanza status code (0 ok, 2 no valid backups, 99 other error)",
               {{{{"stanza", stanza}}, int64_t{in.info ? in.info->status.code : -1}}}});
  if (!in.info) return;
  const backrest::InfoModel& info = *in.info;
  MetricFamily repo{"pgbackrest_repo_status", "gauge", "Status code of each repository", {}};
  for (const auto& r : info.repos)
    repo.add({{"repo_key", std::to_string(r.key)}, {"stanza", stanza}}, int64_t{r.status.code});
  m.push_back(std::move(repo));

  MetricFamily backup_info{
      "pgbackrest_backup_info", "gauge", "One sample per backup in the repository", {}};
  MetricFamily duration{"pgbackrest_backup_duration_seconds", "gauge", "Backup duration", {}};
  MetricFamily size{"pgbackrest_backup_size_bytes", "gauge", "Database size at backup time", {}};
  MetricFamily delta{"pgbackrest_backup_delta_bytes", "gauge", "Bytes copied by the backup", {}};
  MetricFamily repo_size{
      "pgbackrest_backup_repo_size_bytes", "gauge", "Backup size in the repository", {}};
  MetricFamily repo_delta{"pgbackrest_backup_repo_delta_bytes",
                          "gauge",
                          "Bytes this backup added to the repository",
                          {}};
  for (const auto& b : info.backups) {
    const MetricLabels l{{"backup_name", b.label},
                         {"backup_type", b.type},
                         {"repo_key", std::to_string(b.repo_key)},
                         {"stanza", stanza}};
    backup_info.add(l, int64_t{1});
    duration.add(l, secondsBetween(b.started_at, b.finished_at));
    size.add(l, exact(b.size));
    delta.add(l, exact(b.delta));
    if (b.repo_size) repo_size.add(l, exact(*b.repo_size));  // unknown for bundled backups
    repo_delta.add(l, exact(b.repo_delta));
  }
  for (auto* f : {&backup_info, &duration, &size, &delta, &repo_size, &repo_delta})
    m.push_back(std::move(*f));

  MetricFamily since{"pgbackrest_backup_since_last_completion_seconds",
                     "gauge",
                     "Seconds since the last completed backup of each type (a full also counts "
                     "for diff and incr, a diff for incr)",
                     {}};
  for (const std::string type : {"full", "diff", "incr"}) {
    std::optional<WallTime> last;
    for (const auto& b : info.backups) {
      bool counts = b.type == type || b.type == "full" || (type == "incr" && b.type == "diff");
      if (counts && (!last || b.finished_at > *last)) last = b.finished_at;
    }
    if (last) since.add({{"backup_type", type}, {"stanza", stanza}}, secondsBetween(*last, in.now));
  }
  m.push_back(std::move(since));

  MetricFamily wal{"pgbackrest_wal_archive_status",
                   "gauge",
                   "1 when the repository holds WAL for the current database",
                   {}};
  for (const auto& a : info.archives)
    wal.add({{"database_id", std::to_string(a.db_id)},
             {"pg_version", a.id},
             {"repo_key", std::to_string(a.repo_key)},
             {"stanza", stanza},
             {"wal_max", a.max.value_or("")},
             {"wal_min", a.min.value_or("")}},
            int64_t{a.min ? 1 : 0});
  m.push_back(std::move(wal));
}

void addArchive(Metrics& m, const CoreMetricsInput& in) {
  const ArchiveHealth& h = in.archive;
  const auto& a = h.pg.archiver;
  m.push_back({"pgbr_archive_healthy",
               "gauge",
               "1 when WAL archiving keeps up",
               {{{}, int64_t{h.healthy ? 1 : 0}}}});
  m.push_back({"pgbr_archive_waiting_segments",
               "gauge",
               "WAL segments waiting to be archived (.ready files)",
               {{{}, int64_t{h.queue.ready_count}}}});
  m.push_back({"pgbr_archive_oldest_waiting_age_seconds",
               "gauge",
               "Age of the oldest WAL segment waiting",
               {{{}, int64_t{h.queue.oldest_age ? h.queue.oldest_age->count() : 0}}}});
  m.push_back({"pgbr_archive_failed_total",
               "counter",
               "Failed archive attempts (pg_stat_archiver)",
               {{{}, int64_t{a.failed_count}}}});
  m.push_back({"pgbr_archive_archived_total",
               "counter",
               "Archived WAL files (pg_stat_archiver)",
               {{{}, int64_t{a.archived_count}}}});
  if (a.last_archived_time)
    m.push_back({"pgbr_archive_lag_seconds",
                 "gauge",
                 "Seconds since the last WAL segment was archived",
                 {{{}, secondsBetween(*a.last_archived_time, in.now)}}});
}

}  // namespace

Metrics collectCoreMetrics(const CoreMetricsInput& in) {
  Metrics m;
  addRepository(m, in);
  const ProcessSnapshot& p = in.postgres;
  m.push_back({"pgbr_process_up",
               "gauge",
               "1 when the process is RUNNING",
               {{{{"name", p.name}}, int64_t{p.state == ProcessState::kRunning ? 1 : 0}}}});
  m.push_back({"pgbr_process_restarts_total",
               "counter",
               "Automatic restarts since the supervisor started",
               {{{{"name", p.name}}, int64_t{p.restarts}}}});
  m.push_back({"pgbr_process_uptime_seconds",
               "gauge",
               "Seconds since the process started",
               {{{{"name", p.name}}, static_cast<double>(p.uptime.count()) / 1000.0}}});
  addArchive(m, in);

  MetricFamily total{"pgbr_jobs_total", "counter", "Finished jobs by kind and final state", {}};
  for (const auto& [key, count] : in.jobs.finished)
    total.add({{"kind", key.first}, {"state", key.second}}, exact(count));
  m.push_back(std::move(total));
  MetricFamily last{"pgbr_job_last_duration_seconds",
                    "gauge",
                    "Duration of the last finished job of each kind",
                    {}};
  for (const auto& [kind, secs] : in.jobs.last_duration_s) last.add({{"kind", kind}}, secs);
  m.push_back(std::move(last));
  m.push_back(
      {"pgbr_job_running", "gauge", "1 while a job runs", {{{}, int64_t{in.job_running ? 1 : 0}}}});
  m.push_back({"pgbr_info_refreshes_total",
               "counter",
               "pgbackrest info runs (cache refreshes)",
               {{{}, exact(in.info_runs)}}});
  m.push_back({"pgbr_orphans_reaped_total",
               "counter",
               "Orphaned processes reaped by PID 1",
               {{{}, exact(in.orphans_reaped)}}});
  return m;
}

}  // namespace pgbr
