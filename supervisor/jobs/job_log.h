// A job's log as the API shows it: the live tail while the job runs, the file once it finished.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/common/errors.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/jobs/job_runner.h"

namespace pgbr {

struct LogView {
  std::vector<LogLine> lines;
  uint64_t last_seq = 0;
  bool finished = true;  // for job logs: false while the job runs
};

// The last `tail` lines of job `id`'s log.
Outcome<LogView> readJobLog(const JobRunner& jobs, const std::string& id, size_t tail);

}  // namespace pgbr
