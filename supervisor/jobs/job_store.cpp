#include "supervisor/jobs/job_store.h"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "supervisor/common/file_write.h"
#include "supervisor/common/json_text.h"

namespace pgbr {
namespace fs = std::filesystem;

JobStore::JobStore(fs::path dir, size_t limit) : dir_(std::move(dir)), limit_(limit) {}

std::vector<std::string> JobStore::load(WallTime now) {
  std::vector<std::string> warnings;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    std::error_code ec;
    fs::create_directories(dir_ / "logs", ec);
    const fs::path file = dir_ / "history.json";
    std::ifstream in(file);
    if (!in) return warnings;
    std::stringstream buf;
    buf << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(buf.str(), nullptr, false);
    if (!doc.is_array()) {
      fs::rename(file, dir_ / "history.json.damaged", ec);
      warnings.push_back("job history " + file.string() +
                         " was unreadable; moved aside to history.json.damaged");
      return warnings;
    }
    for (const auto& entry : doc) {
      auto job = jobFromJson(entry);
      if (!job) {
        changed = true;
        continue;
      }
      if (!isFinished(job->state)) {
        job->state = JobState::kFailed;
        job->finished_at = now;
        job->message = "interrupted: the supervisor stopped while this job was " +
                       std::string(job->started_at ? "running" : "queued");
        changed = true;
      }
      jobs_.push_back(std::move(*job));
    }
    if (changed) ++version_;
  }
  if (changed) save();
  return warnings;
}

void JobStore::put(const Job& job) {
  record(job);
  save();
}

void JobStore::record(const Job& job) {
  std::vector<fs::path> dropped_logs;
  {
    std::lock_guard lock(mutex_);
    bool replaced = false;
    for (auto& j : jobs_) {
      if (j.id == job.id) {
        j = job;
        replaced = true;
        break;
      }
    }
    if (!replaced) jobs_.push_back(job);
    while (jobs_.size() > limit_) {
      dropped_logs.push_back(logPath(jobs_.front().id));
      jobs_.erase(jobs_.begin());
    }
    ++version_;
  }
  for (const auto& log : dropped_logs) {
    std::error_code ec;
    fs::remove(log, ec);
  }
}

std::optional<Job> JobStore::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& j : jobs_)
    if (j.id == id) return j;
  return std::nullopt;
}

std::vector<Job> JobStore::list(size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<Job> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

fs::path JobStore::logPath(const std::string& id) const {
  return dir_ / "logs" / (id + ".log");
}

void JobStore::save() {
  nlohmann::json doc = nlohmann::json::array();
  uint64_t version = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& j : jobs_) doc.push_back(toJson(j));
    version = version_;
  }
  std::lock_guard writing(write_mutex_);
  // Two saves can reach here in either order; the older document must not replace the newer.
  if (version <= written_version_) return;
  const std::string error = writeFileAtomically(dir_ / "history.json", dumpJson(doc, 1) + "\n",
                                                fs::perms::owner_read | fs::perms::owner_write);
  if (!error.empty()) {
    spdlog::error("cannot save the job history: {}; check free space and permissions", error);
    return;
  }
  written_version_ = version;
}

}  // namespace pgbr
