#include "supervisor/restore/restore_job.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "supervisor/jobs/job_submit.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/restore/validation.h"

namespace pgbr {

Outcome<Job> RestoreJobs::start(const RestoreRequest& request) {
  backrest::RestoreOptions options;
  options.type = request.type;
  options.target = request.target;
  options.set = request.set;
  options.target_action = request.target_action.empty() ? "promote" : request.target_action;
  options.db_include = request.db_include;
  std::string error;
  auto argv = backrest::restoreCommand(p_.backrest.context(), options, &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  std::optional<Error> refusal = p_.monitor.withInfo([&](const InfoSnapshot& info) {
    RestoreFacts facts;
    facts.stanza = p_.settings.stanza;
    facts.initialised = p_.run.init_done;
    facts.info = info.model ? &*info.model : nullptr;
    facts.archived_until = p_.monitor.recoverableTo();
    facts.now = p_.clock.wall();
    return validateRestore(request, facts);
  });
  if (refusal) return *refusal;
  if (auto running = p_.jobs.running()) return repositoryBusy(*running, "nothing was stopped");
  nlohmann::json params{{"type", request.type}, {"target_action", options.target_action}};
  if (!request.target.empty()) params["target"] = request.target;
  if (!request.set.empty()) params["set"] = request.set;
  if (!request.db_include.empty()) params["db_include"] = request.db_include;
  p_.run.restore_running = true;
  auto outcome = submitJob(p_.jobs, p_.run, JobKind::kRestore, JobTrigger::kApi, params,
                           executor(*argv, request));
  if (std::holds_alternative<Error>(outcome)) {
    p_.run.restore_running = false;
    p_.run.changed();
  }
  return outcome;
}

std::string RestoreJobs::lastFatal() const {
  std::string fatal;
  for (const LogLine& line : p_.postgres_log.tail(200)) {
    const size_t at = line.text.find("FATAL:  ");
    if (at != std::string::npos && line.text.find("is starting up") == std::string::npos)
      fatal = line.text.substr(at + 8);
  }
  return fatal;
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

JobExecutor RestoreJobs::executor(std::vector<std::string> argv, RestoreRequest request) {
  return [this, argv = std::move(argv), request](JobContext& ctx) {
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
    SupervisedProcess& postgres = p_.postgres;
    say("stopping postgres (fast shutdown)");
    p_.monitor.disconnectPostgres();
    postgres.stop(StopMode::kFast);
    const Millis stop_wait =
        std::chrono::duration_cast<Millis>(p_.settings.stop_timeout) + Millis(10000);
    if (hasProcess(postgres.waitFor([](ProcessState s) { return !hasProcess(s); }, stop_wait))) {
      outcome.message = "postgres did not stop; nothing was restored";
      return outcome;
    }
    say("running pgbackrest restore");
    ctx.setProgress(0);
    JobOutcome restored = p_.backrest.executor(argv, true)(ctx);
    if (restored.state != JobState::kSucceeded) {
      restored.state = JobState::kFailed;
      restored.message =
          "restore failed: " + restored.message +
          "; postgres is left stopped so a half-restored data directory is not used. "
          "Fix the cause and run the restore again (it is safe to retry), or start "
          "postgres through the API";
      ctx.log().appendLine(restored.message);
      return restored;
    }
    if (p_.run.shutting_down) {
      outcome.message =
          "restored, but the supervisor is shutting down; postgres starts with it next time";
      outcome.state = JobState::kSucceeded;
      return outcome;
    }
    say("starting postgres and waiting for recovery to finish");
    postgres.start();
    p_.wake_loop();
    ProcessState s = postgres.waitFor(
        [](ProcessState st) {
          return st == ProcessState::kRunning || st == ProcessState::kFatal ||
                 st == ProcessState::kBackoff || st == ProcessState::kStopped;
        },
        std::chrono::duration_cast<Millis>(p_.settings.start_timeout));
    // Postgres that cannot start from the restored data directory (a recovery target that is
    // never reached, a timeline that does not fit) fails the same way at every restart: stop
    // retrying, so the supervisor does not give up on it as FATAL and exit, and leave it stopped
    // for the user to read the log and restore again.
    auto leaveStopped = [&](const std::string& what) {
      const ProcessSnapshot snap = postgres.snapshot();
      postgres.stop(StopMode::kFast);
      postgres.waitFor([](ProcessState st) { return !hasProcess(st); }, stop_wait);
      const std::string fatal = lastFatal();
      outcome.message = what + (snap.last_exit.empty() ? "" : " (" + snap.last_exit + ")") +
                        (fatal.empty() ? "" : ": " + fatal) +
                        "; postgres is left stopped. Read the postgres log, then run the restore "
                        "again (another target, or type delta to recover to the end of the "
                        "archive), or start postgres through the API";
      ctx.log().appendLine(outcome.message);
      return outcome;
    };
    if (s != ProcessState::kRunning)
      return leaveStopped("postgres did not come back after the restore");
    const pid_t recovering_pid = postgres.snapshot().pid;
    const bool pause =
        request.target_action == "pause" && request.type != "delta" && request.type != "set";
    // Hot standby accepts connections while WAL is replayed; recovery can still end in FATAL
    // (target not reached), after which the supervisor would restart it again and again.
    std::string wait_error;
    const Recovery recovery = waitForRecovery(
        pause,
        [&] {
          const ProcessSnapshot snap = postgres.snapshot();
          return snap.state == ProcessState::kRunning && snap.pid == recovering_pid;
        },
        &wait_error);
    if (recovery == Recovery::kExited)
      return leaveStopped("postgres exited during recovery after the restore");
    if (recovery == Recovery::kTimedOut) {
      outcome.message = wait_error;
      return outcome;
    }
    ConnectResult check = connectPg(supervisorConnParams(p_.settings));
    QueryValue one = check.ok() ? queryValue(check.conn.get(), "select 1") : QueryValue{};
    if (!check.ok() || !one.ok()) {
      outcome.message =
          "postgres is up but a test query failed: " + (check.ok() ? one.error : check.error);
      return outcome;
    }
    outcome.state = JobState::kSucceeded;
    outcome.exit_code = 0;
    outcome.message = pause
                          ? "restored; recovery is paused at the target: check the data, then run "
                            "SELECT pg_wal_replay_resume() to promote"
                          : "restored; postgres is up and accepting connections";
    ctx.log().appendLine(outcome.message);
    p_.monitor.requestInfoRefresh();
    return outcome;
  };
}

}  // namespace pgbr
