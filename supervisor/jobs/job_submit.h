// Submitting a job on behalf of a request: refused while the supervisor shuts down, and a busy
// repository becomes the API's repository_busy error naming the job that holds it.
#pragma once

#include "supervisor/common/errors.h"
#include "supervisor/common/run_state.h"
#include "supervisor/jobs/job_runner.h"

namespace pgbr {

Outcome<Job> submitJob(JobRunner& jobs, RunState& run, JobKind kind, JobTrigger trigger,
                       nlohmann::json params, JobExecutor exec);

// The error for a repository held by `running`, with what was (not) done meanwhile.
Error repositoryBusy(const Job& running, const std::string& consequence);

}  // namespace pgbr
