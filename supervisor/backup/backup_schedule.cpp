#include "supervisor/backup/backup_schedule.h"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "supervisor/common/file_write.h"
#include "supervisor/common/json_text.h"
#include "supervisor/schedule/backup_type.h"

namespace pgbr {
namespace fs = std::filesystem;

BackupSchedule::BackupSchedule(const Settings& settings, const Clock& clock, const TimeZone& tz,
                               BackupJobs& backups)
    : clock_(clock),
      backups_(backups),
      state_file_(fs::path(settings.state_dir) / "schedule.json"),
      scheduler_(std::make_unique<Scheduler>(CronExpr::fromSetting(settings.schedule_full),
                                             CronExpr::fromSetting(settings.schedule_diff),
                                             CronExpr::fromSetting(settings.schedule_incr), tz)) {}

void BackupSchedule::load() {
  std::error_code ec;
  if (!fs::exists(state_file_, ec)) return;
  std::ifstream in(state_file_);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  std::lock_guard lock(mutex_);
  if (!doc.is_discarded()) scheduler_->loadState(doc);
}

void BackupSchedule::save() {
  nlohmann::json doc;
  {
    std::lock_guard lock(mutex_);
    doc = scheduler_->saveState();
  }
  std::string err = writeFileAtomically(state_file_, dumpJson(doc, 1),
                                        fs::perms::owner_read | fs::perms::owner_write);
  if (!err.empty()) spdlog::error("cannot save the schedule state: {}", err);
}

void BackupSchedule::tick(bool busy) {
  if (!busy && backups_.backupNewTimeline()) return;
  std::optional<BackupType> due;
  {
    std::lock_guard lock(mutex_);
    due = scheduler_->tick(clock_.wall(), busy);
  }
  if (!due) return;
  BackupRequest request;
  request.type = std::string(toString(*due));
  request.trigger = JobTrigger::kSchedule;
  auto outcome = backups_.startBackup(request);
  if (auto* err = std::get_if<Error>(&outcome))
    spdlog::warn("scheduled {} backup not started: {}", request.type, err->message);
  save();
}

void BackupSchedule::onJobFinished(const Job& job) {
  if (job.kind != JobKind::kBackup) return;
  auto type = parseBackupType(job.params.value("type", ""));
  if (type && job.state != JobState::kCancelled) {
    std::lock_guard lock(mutex_);
    scheduler_->recordResult(*type, job.finished_at.value_or(clock_.wall()),
                             job.state == JobState::kSucceeded, job.id);
  }
  save();
}

nlohmann::json BackupSchedule::status() const {
  std::lock_guard lock(mutex_);
  return {{"schedule", toJson(scheduler_->status(clock_.wall()))}};
}

}  // namespace pgbr
