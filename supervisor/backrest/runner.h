// How the supervisor runs pgBackRest: one command context (binary, config file, stanza), one
// environment (every PGBACKREST_* variable the supervisor got, so its jobs and the archive-push
// Postgres runs see the same repository), and the executor that turns a pgBackRest command line
// into a job (its output into the job's log, progress and backup label scanned from it, the
// error pgBackRest printed as the job's message).
#pragma once

#include <string>
#include <vector>

#include "supervisor/backrest/command.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/os/children.h"

namespace pgbr {

class BackrestRunner {
 public:
  BackrestRunner(const Settings& settings, Children& children)
      : settings_(settings), children_(children) {}

  backrest::CommandContext context() const;
  SpawnSpec spec(std::vector<std::string> argv) const;
  // A job that runs `argv`; with `track_progress` the job's progress follows pgBackRest's.
  JobExecutor executor(std::vector<std::string> argv, bool track_progress) const;
  // Runs `argv` to the end outside any job (pgbackrest info), keeping up to `keep_lines` lines.
  RunResult run(const std::vector<std::string>& argv, Millis timeout, size_t keep_lines) const;

 private:
  const Settings& settings_;
  Children& children_;
};

}  // namespace pgbr
