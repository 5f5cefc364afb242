// Job history on disk, so it survives a restart: one JSON file rewritten atomically (temp file +
// rename) at every state change, bounded to the newest `limit` jobs; each job's log is its own
// file beside it, removed with the job when the history drops it. Jobs found queued or running at
// load time were interrupted by a supervisor stop: they are marked failed and say so.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/jobs/job.h"

namespace pgbr {

class JobStore {
 public:
  JobStore(std::filesystem::path dir, size_t limit);
  // Reads the history; returns warnings (a damaged file is set aside, never fatal).
  std::vector<std::string> load(WallTime now);
  void put(const Job& job);  // insert or replace by id, then persist
  std::optional<Job> get(const std::string& id) const;
  std::vector<Job> list(size_t limit) const;  // newest first
  std::filesystem::path logPath(const std::string& id) const;

 private:
  void persistLocked();
  std::filesystem::path dir_;
  size_t limit_;
  mutable std::mutex mutex_;
  std::vector<Job> jobs_;  // oldest first
};

}  // namespace pgbr
