#include "supervisor/backup/backup_jobs.h"

#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "supervisor/jobs/job_submit.h"
#include "supervisor/postgres/local_conn.h"

namespace pgbr {

namespace {

constexpr int kLockRefused = 50;  // pgBackRest's LockAcquireError
constexpr int kStanzaCreateAttempts = 5;
constexpr Seconds kStanzaCreateRetry{2};

// stanza-create takes the stanza's archive lock, which an asynchronous archive-push holds while
// it runs: right after a promotion (a bootstrap) Postgres archives the new timeline's history
// file at once, and the two can meet. That push gives up within a second (no stanza yet), so a
// refused lock ([050]) is tried again a few times, within the one job, before the job fails.
JobExecutor retryWhileLocked(JobExecutor once) {
  return [once = std::move(once)](JobContext& ctx) {
    for (int attempt = 1;; ++attempt) {
      JobOutcome outcome = once(ctx);
      if (outcome.exit_code != kLockRefused || attempt == kStanzaCreateAttempts) return outcome;
      ctx.log().appendLine("the stanza's lock is taken (attempt " + std::to_string(attempt) +
                           " of " + std::to_string(kStanzaCreateAttempts) + "); again in " +
                           std::to_string(kStanzaCreateRetry.count()) + " s");
      spdlog::info("stanza-create found the stanza's lock taken (attempt {} of {}); again in {} s",
                   attempt, kStanzaCreateAttempts, kStanzaCreateRetry.count());
      for (int i = 0; i < 10 * kStanzaCreateRetry.count(); ++i) {
        if (ctx.cancelRequested()) return outcome;
        std::this_thread::sleep_for(Millis(100));
      }
    }
  };
}

}  // namespace

Outcome<Job> BackupJobs::startBackup(const BackupRequest& request) {
  backrest::BackupOptions options;
  options.type = request.type;
  options.annotations = request.annotation;
  std::string error;
  auto argv = backrest::backupCommand(p_.backrest.context(), options, &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  if (p_.run.restore_running) return Error{ErrorCode::kConflict, "a restore is running"};
  // pgBackRest would fail on a standby ("unable to find primary cluster"): say why instead.
  if (std::error_code ec;
      std::filesystem::exists(std::filesystem::path(p_.settings.pgdata) / "standby.signal", ec))
    return Error{ErrorCode::kConflict,
                 "this server is a standby: backups are taken on its primary, and here once it "
                 "is promoted (POST /api/v1/promote)"};
  if (p_.postgres.state() != ProcessState::kRunning)
    return Error{ErrorCode::kPostgresDown, "postgres is " +
                                               std::string(toString(p_.postgres.state())) +
                                               "; a backup needs it running"};
  nlohmann::json params{{"type", request.type}};
  if (!request.annotation.empty()) params["annotation"] = request.annotation;
  return submitJob(p_.jobs, p_.run, JobKind::kBackup, request.trigger, params,
                   backupExecutor(std::move(*argv)));
}

JobExecutor BackupJobs::backupExecutor(std::vector<std::string> argv) {
  return [this, backup = p_.backrest.executor(std::move(argv), true)](JobContext& job) {
    recordTimeline(job);
    for (BackupObserver* o : observers_) o->beforeBackup(job);
    JobOutcome outcome = backup(job);
    if (outcome.state == JobState::kSucceeded && !job.job().backup_label.empty())
      for (BackupObserver* o : observers_) o->afterBackup(job, job.job().backup_label);
    return outcome;
  };
}

void BackupJobs::recordTimeline(JobContext& ctx) {
  // pg_control names the timeline of its last checkpoint. After a promotion by hand (pg_promote,
  // a promote signal) the first checkpoint on the new timeline is a spread one that can take
  // minutes, and until it ends pgBackRest refuses to back up ("WAL timeline 2 does not match
  // pg_control timeline 1"). A restore that promotes at its target checkpoints at once.
  constexpr const char* kUnrecorded = R"sql(
SELECT CASE WHEN pg_is_in_recovery() THEN false
            ELSE (SELECT timeline_id FROM pg_control_checkpoint()) <>
                 ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END)sql";
  ConnectResult conn = connectPg(supervisorConnParams(p_.settings));
  if (!conn.ok()) return;  // pgBackRest says what is wrong with Postgres in its own words
  const QueryValue unrecorded = queryValue(conn.conn.get(), kUnrecorded);
  if (!unrecorded.ok() || unrecorded.value != "t") return;
  ctx.log().appendLine(
      "postgres was promoted to a new timeline and has not checkpointed on it yet: CHECKPOINT");
  const std::string error = execStatement(conn.conn.get(), "CHECKPOINT");
  if (!error.empty()) ctx.log().appendLine("the checkpoint failed: " + error);
}

Outcome<Job> BackupJobs::startStanzaCreate(JobTrigger trigger) {
  std::string error;
  auto argv = backrest::stanzaCreateCommand(p_.backrest.context(), &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  return submitJob(p_.jobs, p_.run, JobKind::kStanzaCreate, trigger, {},
                   p_.backrest.executor(*argv, false));
}

bool BackupJobs::waitForIdleThenSubmit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                                       JobExecutor exec, Job* out) {
  for (int attempt = 0; attempt < 1000 && !p_.run.shutting_down; ++attempt) {
    auto submitted = p_.jobs.submit(kind, trigger, params, exec);
    if (auto* job = std::get_if<Job>(&submitted)) {
      p_.jobs.waitIdle(Millis(24LL * 3600 * 1000));
      auto done = p_.jobs.get(job->id);
      if (done) *out = *done;
      return done.has_value();
    }
    p_.jobs.waitIdle(Millis(1000));
  }
  return false;
}

void BackupJobs::runStartupJobs() {
  const backrest::CommandContext ctx = p_.backrest.context();
  std::string error;
  Job job;
  auto stanza_argv = backrest::stanzaCreateCommand(ctx, &error);
  if (stanza_argv &&
      waitForIdleThenSubmit(JobKind::kStanzaCreate, JobTrigger::kStartup, {},
                            retryWhileLocked(p_.backrest.executor(*stanza_argv, false)), &job)) {
    if (job.state != JobState::kSucceeded && !p_.run.shutting_down)
      spdlog::error("stanza-create failed: {} (backups cannot run until this is fixed; see job {})",
                    job.message, job.id);
  }
  auto check_argv = backrest::checkCommand(ctx, &error);
  if (!p_.run.shutting_down && check_argv &&
      waitForIdleThenSubmit(JobKind::kCheck, JobTrigger::kStartup, {},
                            p_.backrest.executor(*check_argv, false), &job)) {
    if (job.state != JobState::kSucceeded && !p_.run.shutting_down)
      spdlog::error("pgbackrest check failed: {} (see job {})", job.message, job.id);
  }
  p_.monitor.refreshInfo();
  const auto [has_backup, stanza_ok] = p_.monitor.withInfo([](const InfoSnapshot& info) {
    if (!info.model) return std::pair{false, false};
    return std::pair{!info.model->backups.empty(),
                     info.model->status.code == backrest::info_status::kOk ||
                         info.model->status.code == backrest::info_status::kNoValidBackups};
  });
  if (!p_.run.shutting_down && !has_backup && stanza_ok) {
    spdlog::info("the repository holds no backup yet: taking a first full backup now");
    backrest::BackupOptions options;
    options.type = "full";
    auto argv = backrest::backupCommand(ctx, options, &error);
    if (argv)
      waitForIdleThenSubmit(JobKind::kBackup, JobTrigger::kStartup, {{"type", "full"}},
                            backupExecutor(std::move(*argv)), &job);
  }
  p_.run.startup_done = true;
  p_.run.changed();
}

bool BackupJobs::backupNewTimeline() {
  const std::optional<uint32_t> timeline = p_.monitor.timelineWithoutBackup();
  if (!timeline || *timeline == timeline_backup_started_) return false;
  // A restore that ends in promotion (or a paused one promoted by hand) starts a new timeline,
  // and a backup taken on the old one after the restore's target cannot be the start of a
  // restore into the new one: "latest" would pick it and recovery would refuse the timeline.
  // One backup on the new timeline fixes that (incremental: pgBackRest makes it full when there
  // is none to build on). Tried once per timeline; the schedule's backups also fix it.
  timeline_backup_started_ = *timeline;
  BackupRequest request;
  request.type = "incr";
  request.trigger = JobTrigger::kRestore;
  auto outcome = startBackup(request);
  if (const auto* job = std::get_if<Job>(&outcome)) {
    spdlog::info(
        "postgres writes timeline {} and the repository holds no backup of it yet (a restore "
        "or a promotion started it): taking an incremental backup on it (job {})",
        *timeline, job->id);
  } else {
    spdlog::warn(
        "the backup of the new timeline {} was not started: {}; take one before relying on "
        "later restores",
        *timeline, std::get<Error>(outcome).message);
  }
  return true;
}

}  // namespace pgbr
