#include "supervisor/jobs/job_submit.h"

namespace pgbr {

Error repositoryBusy(const Job& running, const std::string& consequence) {
  return Error{ErrorCode::kRepositoryBusy,
               "the repository is busy with job " + running.id + " (" +
                   std::string(toString(running.kind)) + "); " + consequence,
               running.id};
}

Outcome<Job> submitJob(JobRunner& jobs, RunState& run, JobKind kind, JobTrigger trigger,
                       nlohmann::json params, JobExecutor exec) {
  if (run.shutting_down) return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
  auto submitted = jobs.submit(kind, trigger, std::move(params), std::move(exec));
  if (auto* busy = std::get_if<JobBusy>(&submitted))
    return repositoryBusy(busy->running, "try again when it finished");
  run.changed();
  return std::get<Job>(submitted);
}

}  // namespace pgbr
