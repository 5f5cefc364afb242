// The notify capability (notify_capability.h).
#include "supervisor/notify/notify_capability.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <array>

#include <spdlog/spdlog.h>

#include "supervisor/notify/alert_tracker.h"
#include "supervisor/notify/conditions.h"
#include "supervisor/notify/dispatcher.h"
#include "supervisor/notify/outbox.h"
#include "supervisor/notify/setup.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

namespace {

using nlohmann::json;

constexpr auto kCheckEvery = std::chrono::seconds(5);
constexpr auto kOverdueEvery = std::chrono::seconds(60);
constexpr size_t kJobsScanned = 500;

std::string hostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

class NotifyCapability final : public Capability, public NotificationService {
 public:
  explicit NotifyCapability(const CoreParts& parts)
      : p_(parts),
        cancel_(std::make_shared<std::atomic<bool>>(false)),
        outbox_(notifyFolder(parts.settings), parts.clock, outboxOptions(parts.settings.notify)),
        dispatcher_(outbox_, makeChannels(parts.settings.notify, nullptr, nullptr, cancel_),
                    parts.clock, DispatcherOptions{.cancel = cancel_}),
        tracker_(notifyFolder(parts.settings), dispatcher_, parts.clock, parts.settings.stanza,
                 hostName()),
        guard_(parts.settings.notify.wal_min_free_pct, parts.settings.notify.wal_fill_minutes),
        standby_guard_(Seconds(parts.settings.notify.standby_s)),
        started_at_(parts.clock.wall()) {
    if (std::string warning = outbox_.open(); !warning.empty()) spdlog::warn("notify: {}", warning);
    if (std::string warning = tracker_.open(); !warning.empty())
      spdlog::warn("notify: {}", warning);
    dispatcher_.onFailure([](const std::string& line) { spdlog::warn("notify: {}", line); });
    for (const auto& channel : dispatcher_.channels())
      spdlog::info("notify: channel {} ({})", channel.name, channel.description);
    dispatcher_.start();
  }

  ~NotifyCapability() override { dispatcher_.stop(); }

  std::string_view name() const override { return kNotifyCapability; }

  void start() override {
    std::lock_guard lock(mutex_);
    checking_ = true;
  }

  // Before start(): the checks that need no start-up job, so a standby waiting for promotion
  // (possibly for ever) still tells when Postgres gave up, pg_wal's disk fills or it does not
  // stream from its primary.
  void tickDuringStartup() override {
    if (!beginChecks()) return;
    checkPostgres();
    checkWalSpace();
    checkStandby();
  }

  void tick(bool) override {
    const MonoTime now = p_.clock.monotonic();
    {
      std::lock_guard lock(mutex_);
      if (!checking_) return;
    }
    if (!beginChecks()) return;
    checkPostgres();
    checkStandby();
    checkArchive();
    checkWalSpace();
    checkRepository();
    if (!last_overdue_ || now - *last_overdue_ >= kOverdueEvery) {
      last_overdue_ = now;
      checkOverdue();
    }
  }

  void onJobFinished(const Job& job) override {
    const std::optional<Finding> f = jobFinding(job);
    if (!f) return;
    if (p_.settings.notify.events_failures) apply(*f);
    if (f->verdict == Verdict::kResolved && p_.settings.notify.events_success)
      tracker_.announce("job-succeeded", Severity::kInfo, jobSucceededMessage(job), f->details);
  }

  void addStatus(json& status) override {
    json alerts = json::array();
    for (const ActiveAlert& a : tracker_.active()) alerts.push_back(toJson(a));
    status["alerts"] = std::move(alerts);
    status["notifications"] = {{"channels", dispatcher_.channels().size()},
                               {"pending", outbox_.pendingCount()}};
  }

  void addMetrics(Metrics& metrics) override {
    // A family without a sample says nothing (no channel, no alert): it is left out.
    for (MetricFamily family : {dispatcher_.metric(), tracker_.metric()})
      if (!family.samples.empty()) metrics.push_back(std::move(family));
    MetricFamily pending{"pgbr_notifications_pending",
                         "gauge",
                         "Deliveries waiting in the outbox (retried with backoff)",
                         {}};
    pending.add({}, static_cast<int64_t>(outbox_.pendingCount()));
    metrics.push_back(std::move(pending));
  }

  void stop() override { dispatcher_.stop(); }

  // NotificationService
  json overview(size_t limit) override {
    json channels = json::array();
    for (const auto& c : dispatcher_.channels())
      channels.push_back({{"name", c.name}, {"kind", c.kind}, {"description", c.description}});
    json events = json::array();
    const NotifySettings& n = p_.settings.notify;
    if (n.events_failures) events.push_back("failures");
    if (n.events_alerts) events.push_back("alerts");
    if (n.events_success) events.push_back("success");
    json alerts = json::array();
    for (const ActiveAlert& a : tracker_.active()) alerts.push_back(toJson(a));
    json deliveries = json::array();
    for (const Delivery& d : outbox_.list(limit)) deliveries.push_back(toJson(d));
    return {{"channels", std::move(channels)},
            {"events", std::move(events)},
            {"alerts", std::move(alerts)},
            {"pending", outbox_.pendingCount()},
            {"deliveries", std::move(deliveries)}};
  }

  Outcome<json> sendTest() override {
    if (!dispatcher_.hasChannels())
      return Error{ErrorCode::kConflict,
                   "no notification channel is configured (PGBR_NOTIFY_WEBHOOK_URLS, "
                   "PGBR_NOTIFY_SMTP_URL)"};
    json results = json::array();
    for (const ChannelTestResult& r : dispatcher_.sendTestNow(p_.settings.stanza, hostName()))
      results.push_back({{"channel", r.channel},
                         {"description", r.description},
                         {"ok", r.result.ok},
                         {"error", r.result.error}});
    return json{{"results", std::move(results)}};
  }

 private:
  void apply(const Finding& f) {
    if (f.verdict == Verdict::kFiring)
      tracker_.raise(f.condition, f.severity, f.message, f.details);
    else if (f.verdict == Verdict::kResolved)
      tracker_.clear(f.condition, f.message, f.details);
  }

  // A notification that cannot be written to disk is still sent from memory, but would not
  // survive a restart: said once when it starts and once when writing works again.
  void reportWriteErrors() {
    const std::string error =
        outbox_.writeError().empty() ? tracker_.writeError() : outbox_.writeError();
    if (error == write_error_seen_) return;
    if (error.empty())
      spdlog::info("notify: the outbox and alert state are written to disk again");
    else
      spdlog::error("notify: cannot write {} (notifications are kept in memory only): {}",
                    notifyFolder(p_.settings).string(), error);
    write_error_seen_ = error;
  }

  void checkPostgres() {
    const ProcessSnapshot pg = p_.postgres.snapshot();
    apply(postgresFinding(pg));
    if (pg.restarts > restarts_seen_) {
      restarts_seen_ = pg.restarts;
      tracker_.announce("postgres-restarted", Severity::kWarning,
                        "Postgres exited unexpectedly (" + pg.last_exit +
                            ") and was restarted by the supervisor (restart " +
                            std::to_string(pg.restarts) + " since it started).",
                        {{"last_exit", pg.last_exit}, {"restarts", pg.restarts}});
    }
  }

  // Once every kCheckEvery: reports the outbox's write errors, then says whether the conditions
  // are to be checked (alerts asked for).
  bool beginChecks() {
    const MonoTime now = p_.clock.monotonic();
    {
      std::lock_guard lock(mutex_);
      if (last_check_ && now - *last_check_ < kCheckEvery) return false;
      last_check_ = now;
    }
    reportWriteErrors();
    return p_.settings.notify.events_alerts;
  }

  // A standby's stream from its primary; once this server is not a standby (promoted, or never
  // one) an alert left from its standby days is resolved.
  void checkStandby() {
    const PostgresStatus pg = p_.monitor.archive().pg;
    const Settings& s = p_.settings;
    if (s.bootstrap.standby_host.empty() || (pg.ok && !pg.in_recovery)) {
      tracker_.clear("replication",
                     "This server is not a standby (any more): it was promoted, or "
                     "PGBR_STANDBY_PRIMARY is not set.");
      return;
    }
    apply(standby_guard_.check(
        pg, s.bootstrap.standby_host + ":" + std::to_string(s.bootstrap.standby_port),
        p_.clock.wall()));
  }

  void checkArchive() {
    apply(archiveFinding(p_.monitor.archive(), Seconds(p_.settings.notify.archive_stuck_s)));
  }

  void checkWalSpace() {
    struct statvfs fs {};
    const std::string wal = p_.settings.pgdata + "/pg_wal";
    if (::statvfs(wal.c_str(), &fs) != 0) return;
    WalSpaceSample sample;
    sample.at = p_.clock.wall();
    sample.free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    sample.total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
    sample.waiting = p_.monitor.archive().queue.ready_count;
    apply(guard_.check(sample));
  }

  void checkRepository() {
    std::optional<backrest::InfoModel> model;
    std::string error;
    std::optional<WallTime> refreshed;
    p_.monitor.withInfo([&](const InfoSnapshot& info) {
      refreshed = info.refreshed_at;
      if (refreshed == info_seen_) return;
      model = info.model;
      error = info.error;
    });
    // Postgres' system identifier is read apart from the repository: a mismatch can show
    // between two reads of the repository.
    std::optional<std::string> mismatch = p_.monitor.stanzaMismatch();
    const bool mismatch_changed = mismatch != mismatch_seen_;
    if (!refreshed || (refreshed == info_seen_ && !mismatch_changed)) return;
    if (refreshed == info_seen_) model = last_info_;
    info_seen_ = refreshed;
    last_info_ = model;
    mismatch_seen_ = mismatch;
    apply(repositoryFinding(model, error, mismatch));
  }

  void checkOverdue() {
    const WallTime now = p_.clock.wall();
    const Seconds grace = std::chrono::minutes(p_.settings.notify.overdue_minutes);
    struct Schedule {
      const char* name;
      const std::string& expression;
      const char* backup_type;  // null: a job kind
      JobKind kind;
    };
    const Settings& s = p_.settings;
    const std::array<Schedule, 5> schedules{{
        {"full backup", s.schedule_full, "full", JobKind::kBackup},
        {"diff backup", s.schedule_diff, "diff", JobKind::kBackup},
        {"incr backup", s.schedule_incr, "incr", JobKind::kBackup},
        {"dump", s.schedule_dump, nullptr, JobKind::kDump},
        {"drill", s.schedule_drill, nullptr, JobKind::kDrill},
    }};
    const std::vector<Job> jobs = p_.jobs.list(kJobsScanned);
    for (const Schedule& sc : schedules) {
      const std::optional<CronExpr> cron = CronExpr::fromSetting(sc.expression);
      std::string key = sc.name;
      for (char& c : key)
        if (c == ' ') c = '-';
      if (!cron) {
        tracker_.clear("schedule-overdue:" + key,
                       "The " + std::string(sc.name) + " schedule is off.");
        continue;
      }
      std::optional<WallTime> last;
      if (sc.backup_type) {
        if (!last_info_) continue;  // the repository not read yet: unknown
        last = lastBackupFor(*last_info_, sc.backup_type);
      } else {
        for (const Job& j : jobs)
          if (j.kind == sc.kind && j.state == JobState::kSucceeded && j.finished_at &&
              (!last || *j.finished_at > *last))
            last = j.finished_at;
      }
      Finding f = overdueFinding(sc.name, sc.expression, *cron, last, started_at_, now, grace, tz_);
      f.condition = "schedule-overdue:" + key;
      apply(f);
    }
  }

  CoreParts p_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Outbox outbox_;
  Dispatcher dispatcher_;
  AlertTracker tracker_;
  SystemTimeZone tz_;
  WalSpaceGuard guard_;  // loop thread only, like the members below
  StandbyGuard standby_guard_;
  const WallTime started_at_;
  int restarts_seen_ = 0;
  std::string write_error_seen_;
  std::optional<WallTime> info_seen_;
  std::optional<backrest::InfoModel> last_info_;
  std::optional<std::string> mismatch_seen_;
  std::optional<MonoTime> last_overdue_;
  std::mutex mutex_;  // checking_, last_check_
  bool checking_ = false;
  std::optional<MonoTime> last_check_;
};

}  // namespace

std::unique_ptr<Capability> makeNotifyCapability(const CoreParts& parts) {
  return std::make_unique<NotifyCapability>(parts);
}

}  // namespace pgbr
