#include "supervisor/restore/restore_job.h"

#include <charconv>
#include <thread>

#include <spdlog/spdlog.h>

#include "supervisor/jobs/job_submit.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/restore/recovery_conf.h"
#include "supervisor/restore/validation.h"

namespace pgbr {

namespace {

std::optional<uint64_t> number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

bool hasTarget(const std::string& type) {
  return type == "time" || type == "lsn" || type == "xid" || type == "name" || type == "immediate";
}

nlohmann::json where(const char* postgres) {
  return {{"postgres", postgres}};
}

}  // namespace

RestoreJobs::LiveFacts RestoreJobs::readLive() const {
  LiveFacts live;
  if (p_.postgres.state() != ProcessState::kRunning) return live;
  ConnectResult conn = connectPg(supervisorConnParams(p_.settings));
  if (!conn.ok()) return live;
  QueryRows rows = queryRows(conn.conn.get(), R"sql(
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text,
           CASE WHEN pg_is_in_recovery() THEN NULL
                ELSE (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint::text END,
           (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'))sql");
  if (!rows.ok() || rows.rows.size() != 1 || rows.rows[0].size() != 3) return live;
  live.next_xid = number(rows.rows[0][0]);
  live.current_lsn = number(rows.rows[0][1]);
  live.wal_segment_size = number(rows.rows[0][2]);
  return live;
}

Outcome<Job> RestoreJobs::start(const RestoreRequest& request) {
  backrest::RestoreOptions options;
  options.type = request.type;
  options.target = request.target;
  options.set = request.set;
  options.target_action = request.target_action.empty() ? "promote" : request.target_action;
  options.db_include = request.db_include;
  std::string error;
  if (!backrest::restoreCommand(p_.backrest.context(), options, &error))
    return Error{ErrorCode::kBadRequest, error};
  const LiveFacts live = readLive();
  const std::optional<std::string> mismatch = p_.monitor.stanzaMismatch();
  RestorePlan plan;
  std::optional<Error> refusal = p_.monitor.withInfo([&](const InfoSnapshot& info) {
    RestoreFacts facts;
    facts.stanza_mismatch = mismatch;
    facts.stanza = p_.settings.stanza;
    facts.initialised = p_.run.init_done;
    facts.info = info.model ? &*info.model : nullptr;
    facts.archived_until = p_.monitor.recoverableTo();
    facts.now = p_.clock.wall();
    facts.next_xid = live.next_xid;
    facts.current_lsn = live.current_lsn;
    if (live.wal_segment_size) facts.wal_segment_size = *live.wal_segment_size;
    if (request.type == "name" && restore_point_lsn_)
      facts.named_point_lsn = restore_point_lsn_(request.target);
    return validateRestore(request, facts, &plan);
  });
  if (refusal) return *refusal;
  if (options.set.empty()) options.set = plan.set;
  auto argv = backrest::restoreCommand(p_.backrest.context(), options, &error);
  backrest::RestoreOptions fallback;  // the latest backup, recovered to the end of the WAL
  auto fallback_argv = backrest::restoreCommand(p_.backrest.context(), fallback, &error);
  if (!argv || !fallback_argv) return Error{ErrorCode::kBadRequest, error};
  if (auto running = p_.jobs.running()) return repositoryBusy(*running, "nothing was stopped");
  nlohmann::json params{{"type", request.type}, {"target_action", options.target_action}};
  if (!request.target.empty()) params["target"] = request.target;
  if (!request.set.empty()) params["set"] = request.set;
  if (!plan.set.empty()) params["chosen_set"] = plan.set;
  if (!request.db_include.empty()) params["db_include"] = request.db_include;
  p_.run.restore_running = true;
  auto outcome = submitJob(p_.jobs, p_.run, JobKind::kRestore, JobTrigger::kApi, params,
                           executor(*argv, *fallback_argv, request));
  if (std::holds_alternative<Error>(outcome)) {
    p_.run.restore_running = false;
    p_.run.changed();
  }
  return outcome;
}

nlohmann::json RestoreJobs::lastJson() const {
  for (const Job& job : p_.jobs.list(50)) {
    if (job.kind == JobKind::kRestore) return toJson(job);
  }
  return nullptr;
}

std::string RestoreJobs::lastFatal() const {
  std::string fatal;
  for (const LogLine& line : p_.postgres_log.tail(200)) {
    const size_t at = line.text.find("FATAL:  ");
    // "the database system is starting up / in recovery mode / shutting down" are refusals of
    // clients that connected meanwhile, not why the server stopped.
    if (at != std::string::npos && line.text.find("the database system is ") == std::string::npos)
      fatal = line.text.substr(at + 8);
  }
  return fatal;
}

bool RestoreJobs::stopPostgres() {
  const Millis wait = std::chrono::duration_cast<Millis>(p_.settings.stop_timeout) + Millis(10000);
  p_.postgres.stop(StopMode::kFast);
  return !hasProcess(p_.postgres.waitFor([](ProcessState s) { return !hasProcess(s); }, wait));
}

RestoreJobs::Recovery RestoreJobs::waitForRecovery(bool pause,
                                                   const std::function<bool()>& still_running,
                                                   std::string* error) {
  // pg_ctl-style readiness returns while recovery still replays WAL: poll until it ends (or, for
  // target_action=pause, until replay is paused at the target).
  const MonoTime deadline =
      p_.clock.monotonic() + std::chrono::duration_cast<Millis>(p_.settings.start_timeout);
  std::string last_error;
  while (p_.clock.monotonic() < deadline && !p_.run.shutting_down) {
    if (!still_running()) return Recovery::kExited;
    ConnectResult conn = connectPg(supervisorConnParams(p_.settings));
    if (conn.ok()) {
      QueryValue in_recovery = queryValue(conn.conn.get(), "select pg_is_in_recovery()::text");
      if (in_recovery.ok() && in_recovery.value == "false") return Recovery::kFinished;
      if (pause) {
        QueryValue paused = queryValue(conn.conn.get(), "select pg_get_wal_replay_pause_state()");
        if (paused.ok() && paused.value == "paused") return Recovery::kFinished;
      }
      last_error = in_recovery.error;
    } else {
      last_error = conn.error;
    }
    std::this_thread::sleep_for(Millis(250));
  }
  *error = "postgres started but recovery did not finish in time" +
           (last_error.empty() ? std::string() : ": " + last_error);
  return Recovery::kTimedOut;
}

RestoreJobs::Recovery RestoreJobs::startAndRecover(bool pause, std::string* error) {
  SupervisedProcess& postgres = p_.postgres;
  postgres.start();
  p_.wake_loop();
  ProcessState s = postgres.waitFor(
      [](ProcessState st) {
        return st == ProcessState::kRunning || st == ProcessState::kFatal ||
               st == ProcessState::kBackoff || st == ProcessState::kStopped;
      },
      std::chrono::duration_cast<Millis>(p_.settings.start_timeout));
  auto exited = [&](const std::string& what) {
    // Postgres that cannot start from the restored data directory fails the same way at every
    // restart: stop retrying, so the supervisor does not give up on it as FATAL and exit.
    const ProcessSnapshot snap = postgres.snapshot();
    stopPostgres();
    const std::string fatal = lastFatal();
    *error = what + (snap.last_exit.empty() ? "" : " (" + snap.last_exit + ")") +
             (fatal.empty() ? "" : ": " + fatal);
    return Recovery::kExited;
  };
  if (s != ProcessState::kRunning) return exited("postgres did not come back after the restore");
  const pid_t recovering_pid = postgres.snapshot().pid;
  // Hot standby accepts connections while WAL is replayed; recovery can still end in FATAL
  // (target not reached), after which the supervisor would restart it again and again.
  const Recovery recovery = waitForRecovery(
      pause,
      [&] {
        const ProcessSnapshot snap = postgres.snapshot();
        return snap.state == ProcessState::kRunning && snap.pid == recovering_pid;
      },
      error);
  if (recovery == Recovery::kExited) return exited("postgres exited during recovery");
  return recovery;
}

JobExecutor RestoreJobs::executor(std::vector<std::string> argv,
                                  std::vector<std::string> fallback_argv, RestoreRequest request) {
  return [this, argv = std::move(argv), fallback_argv = std::move(fallback_argv),
          request](JobContext& ctx) {
    struct Done {
      RunState& run;
      ~Done() {
        run.restore_running = false;
        run.changed();
      }
    } done{p_.run};
    JobOutcome outcome;
    auto say = [&](const std::string& line) {
      ctx.log().appendLine(line);
      ctx.setMessage(line);
      spdlog::info("restore: {}", line);
    };
    auto finish = [&](JobState state, std::string message, const char* postgres) {
      outcome.state = state;
      if (state == JobState::kSucceeded) outcome.exit_code = 0;
      outcome.message = std::move(message);
      outcome.result = where(postgres);
      ctx.log().appendLine(outcome.message);
      spdlog::log(state == JobState::kSucceeded ? spdlog::level::info : spdlog::level::warn,
                  "restore: {}", outcome.message);
      p_.monitor.requestInfoRefresh();
      return outcome;
    };
    const std::string left_stopped =
        "; postgres is left stopped because a half-restored data directory must not be "
        "started. Fix the cause (the job log says what failed) and run a delta restore (it is "
        "safe to retry), or start postgres through the API";

    say("stopping postgres (fast shutdown)");
    p_.monitor.disconnectPostgres();
    if (!stopPostgres())
      return finish(JobState::kFailed, "postgres did not stop; nothing was restored", "as_before");

    // Set when the database comes back as it was rather than as asked: why.
    std::string instead;
    say("running pgbackrest restore");
    ctx.setProgress(0);
    JobOutcome restored = p_.backrest.executor(argv, true)(ctx);
    if (restored.state != JobState::kSucceeded) {
      if (request.type == "delta")
        return finish(JobState::kFailed, "restore failed: " + restored.message + left_stopped,
                      "stopped");
      instead = "the restore failed (" + restored.message + ")";
      say(instead +
          "; restoring the latest backup and recovering to the end of the WAL instead, "
          "so the database comes back as it was");
      ctx.setProgress(0);
      JobOutcome again = p_.backrest.executor(fallback_argv, true)(ctx);
      if (again.state != JobState::kSucceeded)
        return finish(JobState::kFailed,
                      instead + " and restoring the latest backup failed too (" + again.message +
                          ")" + left_stopped,
                      "stopped");
    }
    if (p_.run.shutting_down) {
      return finish(JobState::kSucceeded,
                    "restored, but the supervisor is shutting down; postgres starts with it next "
                    "time",
                    "stopped");
    }
    const bool targeted = instead.empty() && hasTarget(request.type);
    const bool pause = targeted && request.target_action == "pause";
    say("starting postgres and waiting for recovery to finish");
    std::string error;
    Recovery recovery = startAndRecover(pause, &error);
    if (recovery == Recovery::kExited && targeted) {
      // The target is not in the WAL (or before the backup is consistent): recover to the end.
      instead = "the target was not reached (" + error + ")";
      int disabled = 0;
      if (std::string err = disableRecoveryTargetsIn(p_.settings.pgdata, &disabled); !err.empty())
        return finish(JobState::kFailed, instead + "; " + err + left_stopped, "stopped");
      say(instead + "; recovering to the end of the WAL instead (" + std::to_string(disabled) +
          " recovery target setting(s) switched off in postgresql.auto.conf)");
      recovery = startAndRecover(false, &error);
    }
    if (recovery == Recovery::kExited) {
      return finish(JobState::kFailed,
                    (instead.empty() ? "" : instead + "; then ") + error +
                        "; postgres is left stopped. Read the postgres log, then run the restore "
                        "again (another target, or type delta to recover to the end of the "
                        "archive), or start postgres through the API",
                    "stopped");
    }
    if (recovery == Recovery::kTimedOut) return finish(JobState::kFailed, error, "recovering");
    ConnectResult check = connectPg(supervisorConnParams(p_.settings));
    QueryValue one = check.ok() ? queryValue(check.conn.get(), "select 1") : QueryValue{};
    if (!check.ok() || !one.ok()) {
      return finish(
          JobState::kFailed,
          "postgres is up but a test query failed: " + (check.ok() ? one.error : check.error),
          "recovering");
    }
    if (!instead.empty()) {
      return finish(JobState::kFailed,
                    instead +
                        "; postgres recovered to the end of the archive and pg_wal instead "
                        "and runs with its data as it was before the restore (nothing "
                        "lost, on a new timeline)",
                    "as_before");
    }
    if (pause) {
      return finish(JobState::kSucceeded,
                    "restored; recovery is paused at the target: check the data, then run "
                    "SELECT pg_wal_replay_resume() to promote",
                    "paused_at_target");
    }
    return finish(JobState::kSucceeded, "restored; postgres is up and accepting connections",
                  "restored");
  };
}

}  // namespace pgbr
