#include "supervisor/drill/drill_job.h"

#include <cmath>

#include <spdlog/spdlog.h>

#include "supervisor/drill/scratch_cluster.h"
#include "supervisor/postgres/local_conn.h"

namespace pgbr {

namespace {

std::string seconds(double s) {
  return std::to_string(static_cast<long long>(std::llround(s))) + " s";
}

double secondsOf(Millis d) {
  return static_cast<double>(d.count()) / 1000.0;
}

struct Chosen {
  std::string label;
  uint64_t size = 0;
  std::string error;
};

Chosen chooseBackup(StatusMonitor& monitor, const std::string& set) {
  auto find = [&] {
    return monitor.withInfo([&](const InfoSnapshot& info) {
      Chosen c;
      const backrest::BackupInfo* b = nullptr;
      if (info.model)
        b = set.empty() ? backrest::latest(*info.model) : backrest::findBackup(*info.model, set);
      if (b == nullptr) {
        c.error = set.empty() ? "the repository holds no backup to drill; take a backup first"
                              : "no backup labelled " + set +
                                    " in the repository; list them with GET /api/v1/backups";
        if (!info.model && !info.error.empty()) c.error += " (" + info.error + ")";
        return c;
      }
      c.label = b->label;
      c.size = b->size;
      return c;
    });
  };
  Chosen chosen = find();
  if (!chosen.error.empty() && monitor.refreshInfo()) chosen = find();
  return chosen;
}

// The live cluster's activity now, per database, for tables the copy and the record disagree on.
LiveMods readLiveMods(const Settings& settings) {
  LiveMods live;
  ConnParams params = supervisorConnParams(settings);
  std::string error;
  for (const std::string& db : listDatabases(params, &error)) {
    params.dbname = db;
    std::string db_error;
    if (auto mods = readMods(params, &db_error)) live[db] = std::move(*mods);
  }
  return live;
}

AmcheckResult runAmcheck(ScratchCluster& scratch, const Settings& settings, JobContext& ctx,
                         Children& children) {
  AmcheckResult result;
  // Heap (with TOAST) and B-tree indexes of every database that accepts connections; amcheck
  // is installed into the copy where missing (the copy is thrown away).
  SpawnSpec spec = scratch.clientSpec(
      "pg_amcheck", {"--all", "--install-missing", "--no-password", "--jobs=1",
                     "--host=" + scratch.layout().socketDir().string(),
                     "--port=" + std::to_string(scratch.port()), "--username=" + settings.init.user,
                     "--maintenance-db=postgres"});
  std::string shown = "$";
  for (const auto& a : spec.argv) shown += " " + a;
  ctx.log().appendLine(shown);
  RunOptions options;
  options.cancel = &ctx.cancelRequested();
  options.keep_lines = 50;
  const RunResult ran = runCommand(children, spec, &ctx.log(), options);
  if (!ran.started) {
    result.findings.push_back("cannot start pg_amcheck: " + ran.spawn_error);
    return result;
  }
  if (ran.cancelled) return result;
  result.ran = true;
  result.exit_code = ran.status.shellCode();
  if (result.exit_code != 0) result.findings = ran.last_lines;
  return result;
}

}  // namespace

std::string drillMessage(const DrillReport& r) {
  switch (r.result) {
    case DrillResult::kPassed: {
      std::string text = "drill passed: backup " + r.set + " restored in " +
                         seconds(r.restore_s.value_or(0)) + ", the copy accepted connections " +
                         seconds(r.ready_s.value_or(0)) + " later; pg_amcheck found no corruption";
      text += r.counts.recorded ? "; " + std::to_string(r.counts.equal) + " of " +
                                      std::to_string(r.counts.tables) +
                                      " tables hold the rows recorded at backup time"
                                : "; " + std::to_string(r.counts.tables) +
                                      " tables read (no counts were recorded for this backup)";
      return text;
    }
    case DrillResult::kSkipped:
      return "drill skipped: " + r.reason;
    case DrillResult::kCancelled:
      return "drill cancelled";
    default:
      return "drill FAILED" + (r.set.empty() ? std::string() : " for backup " + r.set) + ": " +
             r.reason;
  }
}

JobOutcome runDrill(JobContext& ctx, const DrillJobParts& p, const DrillRequest& request,
                    const std::function<void(const DrillReport&)>& publish) {
  DrillReport report;
  report.id = ctx.job().id;
  report.trigger = std::string(toString(ctx.job().trigger));
  report.started_at = p.clock.wall();
  const std::atomic<bool>& cancel = ctx.cancelRequested();
  auto say = [&](const std::string& line) {
    ctx.log().appendLine("drill: " + line);
    ctx.setMessage(line);
  };
  // Skipped and cancelled drills keep their result; the others are decided from what was found.
  auto finish = [&] {
    report.finished_at = p.clock.wall();
    if (cancel.load() && report.result != DrillResult::kSkipped)
      report.result = DrillResult::kCancelled;
    decide(report);
    const JobState state = report.result == DrillResult::kPassed      ? JobState::kSucceeded
                           : report.result == DrillResult::kCancelled ? JobState::kCancelled
                                                                      : JobState::kFailed;
    JobOutcome outcome;
    outcome.state = state;
    outcome.exit_code = state == JobState::kSucceeded ? 0 : 1;
    outcome.message = drillMessage(report);
    ctx.log().appendLine(outcome.message);
    if (std::string err = p.store.saveReport(report); !err.empty())
      spdlog::error("cannot save the drill report: {}", err);
    publish(report);
    if (report.result == DrillResult::kFailed)
      spdlog::error("{}", outcome.message);
    else
      spdlog::info("{}", outcome.message);
    return outcome;
  };
  publish(report);
  // On disk from the start: a drill the supervisor dies in reads as interrupted after a restart.
  p.store.saveReport(report);

  const Chosen chosen = chooseBackup(p.monitor, request.set);
  if (!chosen.error.empty()) {
    report.reason = chosen.error;
    return finish();
  }
  report.set = chosen.label;
  ctx.setBackupLabel(chosen.label);
  publish(report);

  ScratchOptions options;
  options.root = drillDir(p.settings);
  options.start_timeout = std::chrono::duration_cast<Millis>(p.settings.start_timeout);
  ScratchCluster scratch(p.settings, p.clock, p.children, p.backrest, options);
  const SpaceDecision space = scratch.checkSpace(chosen.size);
  if (!space.ok) {
    report.result = DrillResult::kSkipped;
    report.reason = space.reason;
    return finish();
  }
  say("restoring backup " + chosen.label + " into " + scratch.layout().data().string() +
      " (needs about " + humanBytes(space.needed_bytes) + ", " + humanBytes(space.available_bytes) +
      " free)");
  const LiveMods live = readLiveMods(p.settings);

  backrest::RestoreOptions what;
  what.type = "immediate";  // the backup itself: stop as soon as it is consistent
  what.set = chosen.label;
  what.target_action = "promote";
  const ScratchRestoreResult restored = scratch.restore(
      what, ctx.log(), cancel, [&](double percent) { ctx.setProgress(percent * 0.8); });
  report.restore_s = secondsOf(restored.duration);
  if (!restored.ok) {
    report.reason = "the restore failed: " + restored.error;
    return finish();
  }
  say("restored in " + seconds(*report.restore_s) + "; starting the copy on socket " +
      scratch.layout().socketDir().string() + " port " + std::to_string(scratch.port()));
  publish(report);

  const ScratchStartResult started = scratch.start(ctx.log(), cancel);
  if (!started.ready()) {
    report.reason = "the copy did not become ready: " + started.reason;
    report.copy_log = started.why;
    return finish();
  }
  report.ready_s = secondsOf(started.duration);
  ctx.setProgress(85);
  say("the copy accepts connections after " + seconds(*report.ready_s) +
      "; checking it with pg_amcheck");
  publish(report);

  report.amcheck = runAmcheck(scratch, p.settings, ctx, p.children);
  if (cancel.load()) return finish();
  ctx.setProgress(92);
  say("reading and counting every table of the copy");
  std::vector<DatabaseRows> copy;
  std::string error;
  const std::vector<std::string> databases = listDatabases(scratch.connParams(), &error);
  if (!error.empty()) report.reason = "cannot list the copy's databases: " + error;
  for (const std::string& db : databases) {
    if (cancel.load()) return finish();
    copy.push_back(countDatabase(scratch.connParams(db), true, &cancel));
  }
  report.counts = compareCounts(p.store.counts(chosen.label), copy, live);
  for (const std::string& failure : report.counts.failures)
    ctx.log().appendLine("drill: table check failed: " + failure);
  say("removing the copy");
  if (std::string problem = scratch.remove(); !problem.empty())
    ctx.log().appendLine("drill: " + problem);
  ctx.setProgress(100);
  return finish();
}

}  // namespace pgbr
