#include "supervisor/service/supervisor.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "supervisor/config/config.h"
#include "supervisor/postgres/initdb.h"
#include "supervisor/postgres/server.h"
#include "supervisor/postgres/settings_file.h"
#include "supervisor/restore/restore_points_capability.h"
#include "supervisor/restore/validation.h"
#include "supervisor/service/logging.h"
#include "supervisor/service/state_dir.h"

namespace pgbr {
namespace fs = std::filesystem;

namespace {

constexpr Millis kLoopInterval{250};
// While Postgres starts the loop ticks faster: readiness is what clients and the container's
// health check wait for, and a 250 ms tick alone added up to a quarter second to every start.
// A tick then only reads postmaster.pid, so 5 ms costs nothing worth counting.
constexpr Millis kStartingInterval{5};

}  // namespace

Supervisor::Supervisor(Settings settings, const Clock& clock,
                       std::shared_ptr<LogSink> supervisor_log)
    : settings_(std::move(settings)),
      clock_(clock),
      supervisor_log_(std::move(supervisor_log)),
      started_mono_(clock.monotonic()),
      children_(ops_),
      backrest_(settings_, children_) {
  LogSinkOptions log_options{settings_.log_max_bytes, settings_.log_keep, 2000};
  postgres_log_ = std::make_unique<LogSink>(
      "postgres", fs::path(settings_.state_dir) / "logs" / "postgres.log", log_options);
  const LogFormat format = settings_.log_format;
  postgres_log_->setLineHook(
      [format](std::string_view line) { echoChildLine(format, "postgres", line); });

  ProcessOptions options;
  options.name = "postgres";
  // The environment carries every PGBACKREST_* variable, so the archive-push that Postgres runs
  // sees the same repository settings as the supervisor's own jobs.
  options.make_spec = [this] { return postmasterSpec(settings_, currentEnvironment()); };
  // Like pg_ctl -w: ready when the postmaster.pid of the postmaster we started says "ready",
  // which Postgres writes when it begins to accept connections. No connection is made: the first
  // one after a start is the slowest (the backend rebuilds the relation cache files that start-up
  // removed, ~20 ms on 2 CPUs), and it would only have delayed the news. The file is read
  // every kStartingInterval while Postgres starts, a few microseconds each.
  options.ready_probe = [this](int pid) {
    return postmasterReady(readPostmasterPid(settings_.pgdata), pid);
  };
  options.stop_timeout = std::chrono::duration_cast<Millis>(settings_.stop_timeout);
  options.kill_timeout = Millis(1500);
  options.restart_limit = settings_.restart_limit;
  options.quick_exit_window = std::chrono::duration_cast<Millis>(settings_.quick_exit_window);
  options.backoff_max = std::chrono::duration_cast<Millis>(settings_.backoff_max);
  postgres_ = std::make_unique<SupervisedProcess>(options, children_, clock_, *postgres_log_);
  postgres_->setTransitionHook(
      [this](const std::string& name, ProcessState from, ProcessState to, const std::string& why) {
        run_.changed();
        auto level = to == ProcessState::kFatal || to == ProcessState::kExited ||
                             to == ProcessState::kBackoff
                         ? spdlog::level::warn
                         : spdlog::level::info;
        spdlog::log(level, "{}: {} -> {} ({})", name, toString(from), toString(to), why);
      });

  job_store_ = std::make_unique<JobStore>(fs::path(settings_.state_dir) / "jobs",
                                          static_cast<size_t>(settings_.job_history));
  jobs_ = std::make_unique<JobRunner>(*job_store_, clock_, log_options);
  jobs_->setFinishedHook([this](const Job& job) {
    run_.changed();
    onJobFinished(job);
  });
  monitor_ = std::make_unique<StatusMonitor>(settings_, clock_, backrest_, *postgres_, run_);
  backups_ = std::make_unique<BackupJobs>(
      BackupJobs::Parts{settings_, *postgres_, *jobs_, backrest_, *monitor_, run_});
  schedule_ = std::make_unique<BackupSchedule>(settings_, clock_, tz_, *backups_);
  restores_ = std::make_unique<RestoreJobs>(RestoreJobs::Parts{
      settings_, clock_, *postgres_, *postgres_log_, *jobs_, backrest_, *monitor_, run_, [this] {
        if (signals_) signals_->wake();
      }});
  // A `name` target recorded through the supervisor is bounded by its LSN before anything stops.
  restores_->setRestorePointLookup([this](const std::string& name) -> std::optional<uint64_t> {
    auto point = findRestorePoint(capability(kRestorePointsCapability), name);
    if (!point) return std::nullopt;
    return parseLsn(point->lsn);
  });
}

Supervisor::~Supervisor() {
  cancel_init_ = true;
  if (init_thread_.joinable()) init_thread_.join();
  if (startup_thread_.joinable()) startup_thread_.join();
  jobs_->shutdown();
  monitor_->stop();
}

CoreParts Supervisor::parts() {
  return {settings_, clock_,    children_, *postgres_, *postgres_log_,
          *jobs_,    backrest_, *monitor_, run_,       *backups_};
}

void Supervisor::add(const CapabilityFactory& factory) {
  capabilities_.push_back(factory(parts()));
}

void Supervisor::setBootstrap(const BootstrapFactory& factory) {
  bootstrap_ = factory(parts());
}

Capability* Supervisor::capability(std::string_view name) {
  for (auto& c : capabilities_)
    if (c->name() == name) return c.get();
  return nullptr;
}

std::string Supervisor::prepare() {
  if (auto err = prepareStateDir(settings_); !err.empty()) return err;
  for (const auto& warning : job_store_->load(clock_.wall())) spdlog::warn("{}", warning);
  schedule_->load();
  return {};
}

void Supervisor::onJobFinished(const Job& job) {
  job_stats_.record(job);
  schedule_->onJobFinished(job);
  for (auto& c : capabilities_) c->onJobFinished(job);
  // The repository changed (or may have): read it again before anyone sees the job finished.
  // Logical dumps live beside pgBackRest's folders and never change what `info` reads; skipping
  // it also keeps a dump that failed on an unreachable S3 from waiting out info's own timeout.
  if (job.kind != JobKind::kDump && job.kind != JobKind::kDumpRestore) monitor_->refreshInfo();
}

// ---------------------------------------------------------------------------------- start-up

void Supervisor::initThread() {
  std::string error;
  if (bootstrap_ && bootstrap_->takesOver()) {
    bootstrapped_ = true;
    error = bootstrap_->fill(cancel_init_);
  } else {
    Initializer initializer(settings_, children_, *postgres_log_, currentEnvironment());
    error = initializer.run(cancel_init_).error;
  }
  std::string extra_conf;
  if (error.empty() && bootstrap_) extra_conf = bootstrap_->extraConf(&error);
  if (error.empty() && !cancel_init_) {
    ApplyConfResult applied = applySupervisorConf(
        settings_.pgdata, renderSupervisorConf(settings_) + extra_conf, settings_.postgres_args);
    error = applied.error;
    if (applied.ok()) {
      if (applied.include_added)
        spdlog::info("added include_if_exists = '{}' at the top of postgresql.conf",
                     kSupervisorConfName);
      for (const auto& w : applied.warnings) spdlog::warn("{}", w);
    }
  }
  if (!error.empty() && !cancel_init_) {
    init_error_ = error;
    init_failed_ = true;
  } else if (error.empty() && !cancel_init_) {
    run_.init_done = true;
    if (!run_.shutting_down) postgres_->start();
  }
  signals_->wake();
}

void Supervisor::startupThread() {
  // A restored data directory recovers before it takes writes, and a standby's only once it is
  // promoted; pgBackRest's check and a backup need the promoted server.
  if (bootstrapped_ || (bootstrap_ && bootstrap_->holdsStartup())) {
    if (std::string error = bootstrap_->waitWritable(cancel_init_); !error.empty()) {
      if (!run_.shutting_down) spdlog::error("bootstrap: {}", error);
      return;
    }
  }
  backups_->runStartupJobs();
  if (run_.shutting_down) return;
  for (auto& c : capabilities_) c->start();
}

// ---------------------------------------------------------------------------------- the loop

void Supervisor::beginShutdown(StopMode mode, int sig) {
  if (run_.shutting_down && mode == StopMode::kFast) {
    spdlog::warn("second {} while shutting down: immediate shutdown", signalName(sig));
    mode = StopMode::kImmediate;
  }
  if (!run_.shutting_down)
    spdlog::info("received SIG{}: {} shutdown", signalName(sig),
                 mode == StopMode::kFast ? "fast" : "immediate");
  run_.shutting_down = true;
  run_.changed();
  exit_signal_ = sig;
  cancel_init_ = true;
  if (auto running = jobs_->running()) jobs_->cancel(running->id);
  postgres_->stop(mode);
}

void Supervisor::handleSignal(int sig) {
  if (sig == sig::kTerm || sig == sig::kInt) {
    beginShutdown(StopMode::kFast, sig);
  } else if (sig == sig::kQuit) {
    beginShutdown(StopMode::kImmediate, sig);
  } else if (sig == sig::kHup) {
    spdlog::info("received SIGHUP: reloading the Postgres configuration");
    if (!postgres_->sendSignal(sig::kHup))
      spdlog::warn("postgres is not running; nothing to reload");
  } else {
    spdlog::debug("ignoring SIG{}", signalName(sig));
  }
}

void Supervisor::begin() {
  if (signals_) return;
  signals_ = std::make_unique<SignalSource>();  // the init thread wakes the loop through it
  init_thread_ = std::thread([this] { initThread(); });
}

int Supervisor::run() {
  begin();
  monitor_->start();
  bool startup_started = false;
  int exit_code = 0;
  MonoTime shutdown_deadline{};
  for (;;) {
    const bool starting = postgres_->state() == ProcessState::kStarting;
    for (int sig : signals_->wait(starting ? kStartingInterval : kLoopInterval)) {
      if (sig != sig::kChld) handleSignal(sig);
    }
    children_.reapAndDispatch();
    postgres_->tick();

    if (init_failed_) {
      spdlog::error("{}", init_error_);
      exit_code = 1;
      run_.shutting_down = true;
      run_.changed();
      break;
    }
    const ProcessState state = postgres_->state();
    if (!startup_started && state == ProcessState::kRunning && !run_.shutting_down) {
      startup_started = true;
      spdlog::info("postgres is ready to accept connections");
      startup_thread_ = std::thread([this] { startupThread(); });
    }
    if (run_.startup_done && !run_.shutting_down) {
      const bool busy =
          jobs_->running().has_value() || run_.restore_running || state != ProcessState::kRunning;
      schedule_->tick(busy);
      for (auto& c : capabilities_) c->tick(busy);
    } else if (startup_started && !run_.shutting_down) {
      for (auto& c : capabilities_) c->tickDuringStartup();
    }
    if (state == ProcessState::kFatal && !run_.restore_running) {
      auto snap = postgres_->snapshot();
      spdlog::error("postgres cannot be kept running: {}; the supervisor exits", snap.message);
      exit_code = snap.last_exit_code.value_or(1);
      if (exit_code == 0) exit_code = 1;
      run_.shutting_down = true;
      run_.changed();
      break;
    }
    if (run_.shutting_down) {
      if (shutdown_deadline == MonoTime{}) shutdown_deadline = clock_.monotonic() + Millis(60000);
      const bool pg_down = !hasProcess(state);
      const bool job_done = !jobs_->running().has_value();
      const bool init_over =
          run_.init_done || init_failed_ || !init_thread_.joinable() || cancel_init_;
      if (pg_down && job_done && init_over) {
        auto snap = postgres_->snapshot();
        exit_code = snap.last_exit_code.value_or(0);
        break;
      }
      if (clock_.monotonic() > shutdown_deadline) {
        spdlog::error("shutdown did not finish in time; exiting anyway");
        exit_code = 1;
        break;
      }
    }
  }
  // Everything below needs the children reaped: keep reaping while threads wind down.
  cancel_init_ = true;
  if (auto running = jobs_->running()) jobs_->cancel(running->id);
  std::atomic<bool> wound_down{false};
  std::thread reaper([&] {
    while (!wound_down) {
      signals_->wait(Millis(100));
      children_.reapAndDispatch();
    }
  });
  if (init_thread_.joinable()) init_thread_.join();
  if (startup_thread_.joinable()) startup_thread_.join();
  for (auto& c : capabilities_) c->stop();
  jobs_->shutdown();
  monitor_->stop();
  if (hasProcess(postgres_->state())) {
    postgres_->stop(StopMode::kImmediate);
    postgres_->waitFor([](ProcessState s) { return !hasProcess(s); }, Millis(3000));
  }
  wound_down = true;
  reaper.join();
  spdlog::info("pgbr-supervisor exits with code {}", exit_code);
  return exit_code;
}

}  // namespace pgbr
