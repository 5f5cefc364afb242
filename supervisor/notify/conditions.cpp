// The alert conditions (conditions.h).
#include "supervisor/notify/conditions.h"

#include <algorithm>
#include <cstdio>

#include "supervisor/common/time_format.h"

namespace pgbr {

namespace {

using nlohmann::json;

std::string jobWhat(const Job& job) {
  const std::string kind(toString(job.kind));
  if (job.kind == JobKind::kBackup) {
    const std::string type = job.params.value("type", "");
    return type.empty() ? "backup" : type + " backup";
  }
  if (job.kind == JobKind::kDump) return "logical dump";
  if (job.kind == JobKind::kDumpRestore) return "restore from a logical dump";
  if (job.kind == JobKind::kDrill) return "restore drill";
  return kind;
}

std::string since(std::optional<WallTime> t) {
  return t ? formatRfc3339(*t) : std::string("never");
}

}  // namespace

std::optional<Finding> jobFinding(const Job& job) {
  if (job.state != JobState::kFailed && job.state != JobState::kSucceeded) return std::nullopt;
  Finding f;
  std::string key(toString(job.kind));
  if (job.kind == JobKind::kBackup) {
    const std::string type = job.params.is_object() ? job.params.value("type", "") : "";
    if (!type.empty()) key += "-" + type;
  }
  f.condition = "job-failed:" + key;
  f.details = {{"job_id", job.id}, {"kind", std::string(toString(job.kind))}};
  if (!job.backup_label.empty()) f.details["backup_label"] = job.backup_label;
  if (job.exit_code) f.details["exit_code"] = *job.exit_code;
  if (job.state == JobState::kFailed) {
    f.verdict = Verdict::kFiring;
    f.severity = Severity::kCritical;
    f.message = "The " + jobWhat(job) + " failed (job " + job.id +
                "): " + (job.message.empty() ? "no reason given" : job.message) +
                ". Its log: GET /api/v1/jobs/" + job.id + "/log.";
  } else {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "The " + jobWhat(job) + " succeeded again (job " + job.id + ").";
  }
  return f;
}

std::string jobSucceededMessage(const Job& job) {
  return "The " + jobWhat(job) + " succeeded (job " + job.id + ")" +
         (job.backup_label.empty() ? "" : ": backup " + job.backup_label) + ".";
}

Finding archiveFinding(const ArchiveHealth& health, Seconds stuck_after) {
  Finding f;
  f.condition = "archive";
  f.severity = Severity::kCritical;
  const ArchiveQueue& q = health.queue;
  if (!q.ok) return f;  // archive_status unreadable: unknown
  const ArchiverStats& a = health.pg.archiver;
  const bool last_failed = health.pg.ok && a.last_failed_time &&
                           (!a.last_archived_time || *a.last_failed_time > *a.last_archived_time);
  const Seconds oldest = q.oldest_age.value_or(Seconds(0));
  const Seconds failing_after = std::min(Seconds(60), stuck_after);
  f.details = {{"waiting", q.ready_count}, {"oldest_waiting_s", oldest.count()}};
  if (!q.oldest_ready.empty()) f.details["oldest_wal"] = q.oldest_ready;
  if (last_failed) f.details["last_failed_wal"] = a.last_failed_wal;
  const std::string waiting = std::to_string(q.ready_count) + " WAL file" +
                              (q.ready_count == 1 ? "" : "s") + " wait" +
                              (q.ready_count == 1 ? "s" : "") + " to be archived, the oldest (" +
                              q.oldest_ready + ") for " + humanDuration(oldest);
  if (q.ready_count > 0 && oldest > stuck_after) {
    f.verdict = Verdict::kFiring;
    f.message =
        "WAL archiving is stuck: " + waiting +
        (last_failed ? "; archive-push fails (last failure at " + since(a.last_failed_time) + ")"
                     : "") +
        ". Point-in-time recovery ends at the last archived WAL, and pg_wal grows until "
        "the repository takes WAL again: check the repository (GET /api/v1/status, the "
        "postgres log).";
  } else if (last_failed && q.ready_count > 0 && oldest >= failing_after) {
    f.verdict = Verdict::kFiring;
    f.message = "WAL archiving fails: archive-push has failed since " + since(a.last_failed_time) +
                " (" + a.last_failed_wal + "), and " + waiting +
                ". Check the repository (GET /api/v1/status, the postgres log).";
  } else if (!last_failed && (q.ready_count == 0 || oldest * 2 <= stuck_after)) {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "WAL archiving works again" +
                (a.last_archived_wal.empty() ? std::string()
                                             : ": " + a.last_archived_wal + " was archived") +
                "; " + std::to_string(q.ready_count) + " WAL files wait.";
  }
  return f;
}

Finding repositoryFinding(const std::optional<backrest::InfoModel>& model, const std::string& error,
                          const std::optional<std::string>& mismatch) {
  Finding f;
  f.condition = "repository";
  f.severity = Severity::kCritical;
  if (!model && error.empty()) return f;  // not read yet
  if (!model) {
    f.verdict = Verdict::kFiring;
    f.message = "The repository cannot be read (pgbackrest info): " + error +
                ". Backups and archiving into it fail until it can.";
    return f;
  }
  f.details = {{"code", model->status.code}, {"stanza", model->stanza}};
  if (mismatch) {
    f.verdict = Verdict::kFiring;
    f.details["stanza_mismatch"] = true;
    f.message = "The repository is not this database's: " + *mismatch + ".";
  } else if (model->status.code != 0) {
    // Code 99 ("other") says no more itself: each repository's own message does.
    std::string why = model->status.message;
    for (const backrest::RepoStatus& r : model->repos)
      if (r.status.code != 0 && !r.status.message.empty())
        why += "; repo" + std::to_string(r.key) + ": " + r.status.message;
    f.verdict = Verdict::kFiring;
    f.message = "The repository's status is not ok: " + why + " (code " +
                std::to_string(model->status.code) + ").";
  } else {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "The repository's status is ok again.";
  }
  return f;
}

Finding postgresFinding(const ProcessSnapshot& postgres) {
  Finding f;
  f.condition = "postgres";
  f.severity = Severity::kCritical;
  if (postgres.state == ProcessState::kFatal) {
    f.verdict = Verdict::kFiring;
    f.details = {{"state", std::string(toString(postgres.state))},
                 {"last_exit", postgres.last_exit}};
    f.message = "Postgres gave up after " + std::to_string(postgres.quick_exits) +
                " quick exits in a row (last: " + postgres.last_exit +
                ") and is not restarted again: read its log (GET /api/v1/logs/postgres), fix "
                "the cause, then start it (POST /api/v1/processes/postgres/start).";
  } else if (postgres.state == ProcessState::kRunning) {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "Postgres runs again.";
  }
  return f;
}

std::optional<WallTime> lastBackupFor(const backrest::InfoModel& model, const std::string& type) {
  auto counts = [&](const std::string& made) {
    if (type == "full") return made == "full";
    if (type == "diff") return made == "full" || made == "diff";
    return true;
  };
  std::optional<WallTime> newest;
  for (const backrest::BackupInfo& b : model.backups)
    if (!b.error && counts(b.type) && (!newest || b.finished_at > *newest)) newest = b.finished_at;
  return newest;
}

Finding overdueFinding(const std::string& name, const std::string& expression, const CronExpr& cron,
                       std::optional<WallTime> last_success, WallTime since_start, WallTime now,
                       Seconds grace, const TimeZone& tz) {
  Finding f;
  f.condition = "schedule-overdue:" + name;
  f.severity = Severity::kWarning;
  const WallTime from = last_success ? std::max(*last_success, since_start) : since_start;
  const std::optional<WallTime> due = cron.next(from, tz);
  f.details = {{"schedule", expression},
               {"last_success", last_success ? json(formatRfc3339(*last_success)) : json()}};
  if (!due || now <= *due + grace) {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "The " + name + " schedule (" + expression + ") is on time again" +
                (last_success ? ": last success at " + formatRfc3339(*last_success) : "") + ".";
    return f;
  }
  f.details["due_at"] = formatRfc3339(*due);
  f.verdict = Verdict::kFiring;
  f.message =
      "The " + name + " schedule (" + expression + ") is overdue: a run was due at " +
      formatRfc3339(*due) + " and none has succeeded since (last success: " + since(last_success) +
      "). Look at the jobs (GET /api/v1/jobs) for a failure or a " + "run that still waits.";
  return f;
}

Finding WalSpaceGuard::check(const WalSpaceSample& sample) {
  Finding f;
  f.condition = "wal-space";
  f.severity = Severity::kWarning;
  if (sample.total_bytes == 0) return f;
  while (!window_.empty() && (sample.at - window_.front().at > std::chrono::minutes(5) ||
                              window_.front().at > sample.at))
    window_.pop_front();
  window_.push_back(sample);
  const double free_pct =
      100.0 * static_cast<double>(sample.free_bytes) / static_cast<double>(sample.total_bytes);
  // Bytes per second the free space shrank over the window, once it spans half a minute.
  double rate = 0;
  const WalSpaceSample& first = window_.front();
  const double span = std::chrono::duration<double>(sample.at - first.at).count();
  if (span >= 30 && first.free_bytes > sample.free_bytes)
    rate = static_cast<double>(first.free_bytes - sample.free_bytes) / span;
  // Seconds until full at that rate; negative when it does not shrink.
  const double left_s = rate > 0 ? static_cast<double>(sample.free_bytes) / rate : -1.0;
  const bool shrinking = left_s >= 0;
  const double fill_s = fill_minutes_ * 60.0;
  f.details = {{"free_bytes", sample.free_bytes},
               {"total_bytes", sample.total_bytes},
               {"free_pct", static_cast<int>(free_pct)},
               {"waiting", sample.waiting}};
  if (shrinking) f.details["full_in_s"] = static_cast<int64_t>(left_s);
  char pct[16];
  std::snprintf(pct, sizeof pct, "%.0f %%", free_pct);
  const std::string state = "the file system holding pg_wal has " + humanBytes(sample.free_bytes) +
                            " free of " + humanBytes(sample.total_bytes) + " (" + pct + ")";
  const std::string advice =
      " Postgres stops when it is full. Make archiving work again (the repository), give pg_wal "
      "more room, or set pgBackRest's archive-push-queue-max so that WAL beyond it is dropped "
      "instead (Postgres keeps running; point-in-time recovery then has a gap until the next "
      "backup).";
  const bool low = free_pct < min_free_pct_;
  const bool filling = sample.waiting > 0 && shrinking && left_s < fill_s;
  if (low || filling) {
    f.verdict = Verdict::kFiring;
    f.severity = low ? Severity::kCritical : Severity::kWarning;
    f.message = "WAL backlog: " + state + "; " + std::to_string(sample.waiting) +
                " WAL files wait to be archived" +
                (shrinking ? " and at the current rate it is full in about " +
                                 humanDuration(Seconds(static_cast<int64_t>(left_s)))
                           : std::string()) +
                "." + advice;
  } else if (free_pct >= min_free_pct_ + 2 &&
             (sample.waiting == 0 || !shrinking || left_s > 2 * fill_s)) {
    f.verdict = Verdict::kResolved;
    f.severity = Severity::kInfo;
    f.message = "WAL backlog cleared: " + state + ".";
  }
  return f;
}

Finding StandbyGuard::check(const PostgresStatus& pg, const std::string& primary, WallTime now) {
  Finding f;
  f.condition = "replication";
  f.severity = Severity::kWarning;
  if (!pg.ok || !pg.in_recovery) return f;
  f.details = {{"primary", primary}, {"wal_receiver", pg.wal_receiver}};
  if (pg.wal_receiver == "streaming") {
    not_streaming_since_.reset();
    f.verdict = Verdict::kResolved;
    f.message = "This standby streams from its primary " + primary + " again.";
    return f;
  }
  if (!not_streaming_since_ || *not_streaming_since_ > now) not_streaming_since_ = now;
  const Seconds waited = std::chrono::duration_cast<Seconds>(now - *not_streaming_since_);
  if (waited < grace_) return f;
  f.verdict = Verdict::kFiring;
  f.details["not_streaming_s"] = waited.count();
  f.message = "This standby has not streamed from its primary " + primary + " for " +
              humanDuration(waited) +
              (pg.wal_receiver.empty()
                   ? " (no WAL receiver runs: the primary cannot be reached, or refuses the "
                     "connection)"
                   : " (its WAL receiver is " + pg.wal_receiver + ")") +
              ": it replays only what reaches the archive and falls behind the primary. Check "
              "that the primary runs and accepts replication connections from this host; the "
              "standby's Postgres log names the reason.";
  return f;
}

}  // namespace pgbr
