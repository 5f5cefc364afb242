// Counts of finished jobs by kind and final state, and the last duration of each kind: what
// /metrics reports about jobs. Fed by the job runner's finished hook; thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "supervisor/jobs/job.h"

namespace pgbr {

class JobStats {
 public:
  struct Snapshot {
    std::map<std::pair<std::string, std::string>, uint64_t> finished;  // (kind, state) -> count
    std::map<std::string, double> last_duration_s;                     // kind -> seconds
  };

  void record(const Job& job) {
    std::lock_guard lock(mutex_);
    ++stats_.finished[{std::string(toString(job.kind)), std::string(toString(job.state))}];
    if (job.started_at && job.finished_at)
      stats_.last_duration_s[std::string(toString(job.kind))] =
          static_cast<double>(
              std::chrono::duration_cast<Millis>(*job.finished_at - *job.started_at).count()) /
          1000.0;
  }
  Snapshot snapshot() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  mutable std::mutex mutex_;
  Snapshot stats_;
};

}  // namespace pgbr
