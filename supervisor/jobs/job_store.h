// Job history on disk, so it survives a restart: one JSON file rewritten atomically (temp file +
// rename, flushed to disk) at every state change, bounded to the newest `limit` jobs; each job's
// log is its own file beside it, removed with the job when the history drops it. Jobs found
// queued or running at load time were interrupted by a supervisor stop: they are marked failed
// and say so. Readers never wait for the disk: the history is written outside the lock they take.
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
  void put(const Job& job);     // record(job), then save()
  void record(const Job& job);  // insert or replace by id, in memory only
  void save();                  // writes the history as it is now (a newer write is never undone)
  std::optional<Job> get(const std::string& id) const;
  std::vector<Job> list(size_t limit) const;  // newest first
  std::filesystem::path logPath(const std::string& id) const;

 private:
  std::filesystem::path dir_;
  size_t limit_;
  mutable std::mutex mutex_;
  std::vector<Job> jobs_;  // oldest first
  uint64_t version_ = 0;   // under mutex_: moved by every change of jobs_
  std::mutex write_mutex_;
  uint64_t written_version_ = 0;  // under write_mutex_: the version the file holds
};

}  // namespace pgbr
