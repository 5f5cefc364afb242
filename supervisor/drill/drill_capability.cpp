#include "supervisor/drill/drill_capability.h"

#include <mutex>

#include <spdlog/spdlog.h>

#include "supervisor/backrest/command.h"
#include "supervisor/common/json_time.h"
#include "supervisor/drill/drill_job.h"
#include "supervisor/drill/drill_store.h"
#include "supervisor/drill/row_count_recorder.h"
#include "supervisor/drill/scratch_cluster.h"
#include "supervisor/jobs/job_submit.h"
#include "supervisor/schedule/cron_schedule.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

namespace fs = std::filesystem;

std::string drillDir(const Settings& settings) {
  return settings.drill_dir.empty() ? settings.state_dir + "/drill" : settings.drill_dir;
}

namespace {

class DrillCapability final : public Capability, public DrillService {
 public:
  explicit DrillCapability(const CoreParts& parts)
      : p_(parts),
        store_(fs::path(parts.settings.state_dir) / "drills",
               static_cast<size_t>(parts.settings.job_history)),
        recorder_(parts.settings, parts.clock, parts.monitor, store_),
        schedule_(CronExpr::fromSetting(parts.settings.schedule_drill), tz_) {
    // A drill cut short by a killed supervisor left its copy running and its folder full.
    std::string error;
    for (const std::string& line : cleanupScratch(drillDir(p_.settings), p_.children, &error))
      spdlog::info("drill: {}", line);
    if (!error.empty()) spdlog::warn("drill: {}", error);
    for (const std::string& warning : store_.load()) spdlog::warn("drill: {}", warning);
    schedule_.loadState(store_.loadSchedule());
    p_.backups.addObserver(recorder_);
  }

  std::string_view name() const override { return kDrillCapability; }

  void tick(bool busy) override {
    bool due = false;
    {
      std::lock_guard lock(mutex_);
      due = schedule_.tick(p_.clock.wall(), busy);
      if (due) store_.saveSchedule(schedule_.saveState());
    }
    if (due) submit({"", JobTrigger::kSchedule}, "scheduled");
    std::string after_full;
    {
      std::lock_guard lock(mutex_);
      if (!busy) after_full.swap(after_full_label_);
    }
    if (!after_full.empty())
      submit({after_full, JobTrigger::kSchedule}, "after the full backup " + after_full + ",");
  }

  void onJobFinished(const Job& job) override {
    std::lock_guard lock(mutex_);
    if (job.kind == JobKind::kBackup && job.state == JobState::kSucceeded &&
        job.params.value("type", "") == "full" && p_.settings.drill_after_full &&
        !job.backup_label.empty())
      after_full_label_ = job.backup_label;
    if (job.kind == JobKind::kDrill) {
      schedule_.recordRun(job.finished_at.value_or(p_.clock.wall()));
      store_.saveSchedule(schedule_.saveState());
    }
  }

  void addStatus(nlohmann::json& status) override {
    std::optional<DrillReport> last = store_.lastFinished();
    std::lock_guard lock(mutex_);
    nlohmann::json drill;
    drill["last"] = last ? summaryJson(*last) : nlohmann::json(nullptr);
    drill["running"] = running_ ? summaryJson(*running_) : nlohmann::json(nullptr);
    drill["last_success_at"] = timeOrNull(store_.lastSuccess());
    drill["schedule"] = schedule_.status();
    drill["after_full"] = p_.settings.drill_after_full;
    status["drill"] = std::move(drill);
  }

  void addMetrics(Metrics& metrics) override {
    const std::optional<DrillReport> last = store_.lastFinished();
    const std::optional<WallTime> success = store_.lastSuccess();
    MetricFamily when{"pgbr_drill_last_success_timestamp_seconds",
                      "gauge",
                      "End of the last restore drill that passed, Unix time",
                      {}};
    if (success)
      when.add({}, static_cast<int64_t>(
                       std::chrono::duration_cast<Seconds>(success->time_since_epoch()).count()));
    MetricFamily duration{"pgbr_drill_duration_seconds",
                          "gauge",
                          "Phases of the last finished restore drill: restore (pgbackrest "
                          "restore), ready (until the copy accepted connections), total",
                          {}};
    MetricFamily status{"pgbr_drill_status",
                        "gauge",
                        "Result of the last finished restore drill: 0 passed, 1 failed, 2 skipped",
                        {}};
    if (last) {
      if (last->restore_s) duration.add({{"phase", "restore"}}, *last->restore_s);
      if (last->ready_s) duration.add({{"phase", "ready"}}, *last->ready_s);
      if (last->finished_at)
        duration.add({{"phase", "total"}},
                     std::chrono::duration<double>(*last->finished_at - last->started_at).count());
      status.add({}, int64_t{last->result == DrillResult::kPassed   ? 0
                             : last->result == DrillResult::kFailed ? 1
                                                                    : 2});
    }
    // A family without a sample says nothing: before the first drill (or the first one that
    // passed) the family is left out, which alerting reads with absent().
    for (MetricFamily* family : {&when, &duration, &status})
      if (!family->samples.empty()) metrics.push_back(std::move(*family));
  }

  // DrillService
  Outcome<Job> startDrill(const DrillRequest& request) override {
    if (!request.set.empty())
      if (std::string problem = backrest::validateBackupLabel(request.set); !problem.empty())
        return Error{ErrorCode::kBadRequest, "set: " + problem};
    if (p_.run.restore_running)
      return Error{ErrorCode::kConflict, "a restore is running; drill when it has finished"};
    // Another database's backups restoring proves nothing about this one.
    if (const std::optional<std::string> why = p_.monitor.stanzaMismatch())
      return Error{ErrorCode::kConflict, "refused: " + *why};
    nlohmann::json params = nlohmann::json::object();
    if (!request.set.empty()) params["set"] = request.set;
    DrillJobParts parts{p_.settings, p_.clock, p_.children, p_.backrest, p_.monitor, store_};
    return submitJob(p_.jobs, p_.run, JobKind::kDrill, request.trigger, params,
                     [this, parts, request](JobContext& ctx) {
                       JobOutcome outcome =
                           runDrill(ctx, parts, request, [this](const DrillReport& r) {
                             std::lock_guard lock(mutex_);
                             if (r.finished_at)
                               running_.reset();
                             else
                               running_ = r;
                             p_.run.changed();
                           });
                       return outcome;
                     });
  }

  nlohmann::json drills(size_t limit) override {
    nlohmann::json list = nlohmann::json::array();
    std::lock_guard lock(mutex_);
    if (running_ && limit > 0) list.push_back(summaryJson(*running_));
    for (const DrillReport& r : store_.summaries(limit))
      if (list.size() < limit && !(running_ && running_->id == r.id))
        list.push_back(summaryJson(r));
    return {{"drills", std::move(list)},
            {"schedule", schedule_.status()},
            {"after_full", p_.settings.drill_after_full}};
  }

  Outcome<nlohmann::json> drill(const std::string& id) override {
    {
      std::lock_guard lock(mutex_);
      if (running_ && running_->id == id) return toJson(*running_);
    }
    std::optional<DrillReport> report = store_.report(id);
    if (!report)
      return Error{ErrorCode::kNotFound, "no drill " + id + "; list them with GET /api/v1/drills"};
    return toJson(*report);
  }

 private:
  void submit(const DrillRequest& request, const std::string& why) {
    auto outcome = startDrill(request);
    if (const auto* job = std::get_if<Job>(&outcome))
      spdlog::info("restore drill {} started (job {})", why, job->id);
    else
      spdlog::warn("restore drill {} not started: {}", why, std::get<Error>(outcome).message);
  }

  CoreParts p_;
  SystemTimeZone tz_;
  DrillStore store_;
  RowCountRecorder recorder_;
  std::mutex mutex_;
  CronSchedule schedule_;
  std::optional<DrillReport> running_;
  std::string after_full_label_;
};

}  // namespace

std::unique_ptr<Capability> makeDrillCapability(const CoreParts& parts) {
  return std::make_unique<DrillCapability>(parts);
}

}  // namespace pgbr
