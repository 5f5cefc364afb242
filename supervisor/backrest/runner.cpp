#include "supervisor/backrest/runner.h"

#include "supervisor/backrest/progress.h"
#include "supervisor/os/process_ops.h"

namespace pgbr {

backrest::CommandContext BackrestRunner::context() const {
  return {settings_.pgbackrest_bin, settings_.pgbackrest_config, settings_.stanza, {}};
}

SpawnSpec BackrestRunner::spec(std::vector<std::string> argv) const {
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.env = currentEnvironment();
  if (!settings_.init.password.empty()) setEnv(spec.env, "PGPASSWORD", settings_.init.password);
  return spec;
}

RunResult BackrestRunner::run(const std::vector<std::string>& argv, Millis timeout,
                              size_t keep_lines) const {
  RunOptions options;
  options.timeout = timeout;
  options.keep_lines = keep_lines;
  return runCommand(children_, spec(argv), nullptr, options);
}

JobExecutor BackrestRunner::executor(std::vector<std::string> argv, bool track_progress) const {
  return [this, argv = std::move(argv), track_progress](JobContext& ctx) {
    backrest::OutputScanner scanner;
    std::string command = "$";
    for (const auto& a : argv) command += " " + a;
    ctx.log().appendLine(command);
    RunOptions options;
    options.cancel = &ctx.cancelRequested();
    options.on_line = [&](std::string_view line) {
      scanner.feed(line);
      if (track_progress && scanner.percent()) ctx.setProgress(*scanner.percent());
      if (scanner.backupLabel()) ctx.setBackupLabel(*scanner.backupLabel());
    };
    RunResult result = runCommand(children_, spec(argv), &ctx.log(), options);
    JobOutcome outcome;
    if (!result.started) {
      outcome.message = "cannot start pgbackrest: " + result.spawn_error;
      return outcome;
    }
    outcome.exit_code = result.status.shellCode();
    if (result.cancelled) {
      outcome.state = JobState::kCancelled;
      outcome.message = "cancelled";
    } else if (result.success()) {
      outcome.state = JobState::kSucceeded;
      outcome.message =
          scanner.backupLabel() ? "backup " + *scanner.backupLabel() + " complete" : "done";
    } else {
      outcome.state = JobState::kFailed;
      outcome.message =
          scanner.error() ? scanner.error()->oneLine()
                          : "pgbackrest " + result.status.describe() +
                                (result.last_lines.empty() ? "" : ": " + result.last_lines.back());
    }
    return outcome;
  };
}

}  // namespace pgbr
