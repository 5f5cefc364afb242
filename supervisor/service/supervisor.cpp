#include "supervisor/service/supervisor.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "pgbr_version.h"
#include "supervisor/backrest/command.h"
#include "supervisor/backrest/config_render.h"
#include "supervisor/backrest/progress.h"
#include "supervisor/common/file_write.h"
#include "supervisor/common/time_format.h"
#include "supervisor/config/config.h"
#include "supervisor/os/identity.h"
#include "supervisor/postgres/initdb.h"
#include "supervisor/postgres/pg_connection.h"
#include "supervisor/postgres/server.h"
#include "supervisor/postgres/settings_file.h"
#include "supervisor/service/logging.h"

namespace pgbr {
namespace fs = std::filesystem;

namespace {

constexpr Millis kLoopInterval{250};
// While Postgres starts the loop ticks faster: readiness is what clients and the container's
// health check wait for, and a 250 ms tick alone added up to a quarter second to every start.
constexpr Millis kStartingInterval{10};
constexpr Millis kMonitorInterval{5000};

std::optional<CronExpr> cronOrNone(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string error;
  return CronExpr::parse(text, &error);  // validated at start-up by config/
}

double seconds(Millis d) {
  return static_cast<double>(d.count()) / 1000.0;
}

nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

Supervisor::Supervisor(Settings settings, const Clock& clock,
                       std::shared_ptr<LogSink> supervisor_log)
    : settings_(std::move(settings)),
      clock_(clock),
      supervisor_log_(std::move(supervisor_log)),
      started_mono_(clock.monotonic()),
      children_(ops_) {
  LogSinkOptions log_options{settings_.log_max_bytes, settings_.log_keep, 2000};
  postgres_log_ = std::make_unique<LogSink>(
      "postgres", fs::path(settings_.state_dir) / "logs" / "postgres.log", log_options);
  const LogFormat format = settings_.log_format;
  postgres_log_->setLineHook(
      [format](std::string_view line) { echoChildLine(format, "postgres", line); });

  ProcessOptions options;
  options.name = "postgres";
  options.make_spec = [this] { return postmasterSpec(); };
  // Like pg_ctl, read postmaster.pid first: while it says "starting" a connection attempt would
  // only be refused and logged ("the database system is starting up"), so probing often stays
  // cheap and quiet.
  options.ready_probe = [this] {
    if (readPostmasterPidState(settings_.pgdata) == std::optional<std::string>("starting"))
      return false;
    return pingReady(connParams());
  };
  options.stop_timeout = std::chrono::duration_cast<Millis>(settings_.stop_timeout);
  options.kill_timeout = Millis(1500);
  options.restart_limit = settings_.restart_limit;
  options.quick_exit_window = std::chrono::duration_cast<Millis>(settings_.quick_exit_window);
  options.backoff_max = std::chrono::duration_cast<Millis>(settings_.backoff_max);
  postgres_ = std::make_unique<SupervisedProcess>(options, children_, clock_, *postgres_log_);
  postgres_->setTransitionHook(
      [this](const std::string& name, ProcessState from, ProcessState to, const std::string& why) {
        ++revision_;
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
    ++revision_;
    onJobFinished(job);
  });
  scheduler_ = std::make_unique<Scheduler>(cronOrNone(settings_.schedule_full),
                                           cronOrNone(settings_.schedule_diff),
                                           cronOrNone(settings_.schedule_incr), tz_);
  status_reader_ = std::make_unique<PostgresStatusReader>(connParams());
}

Supervisor::~Supervisor() {
  cancel_init_ = true;
  if (init_thread_.joinable()) init_thread_.join();
  if (startup_thread_.joinable()) startup_thread_.join();
  jobs_->shutdown();
}

ConnParams Supervisor::connParams() const {
  ConnParams p;
  p.socket_dir = settings_.pg_socket_dir;
  p.port = settings_.pg_port;
  p.user = settings_.init.user;
  p.dbname = "postgres";
  p.connect_timeout_s = 3;
  p.password = settings_.init.password;
  p.statement_timeout_ms = 5000;
  return p;
}

SpawnSpec Supervisor::postmasterSpec() const {
  // The environment carries every PGBACKREST_* variable, so the archive-push that Postgres runs
  // sees the same repository settings as the supervisor's own jobs.
  return pgbr::postmasterSpec(settings_, currentEnvironment());
}

backrest::CommandContext Supervisor::backrestContext() const {
  return {settings_.pgbackrest_bin, settings_.pgbackrest_config, settings_.stanza, {}};
}

SpawnSpec Supervisor::pgbackrestSpec(std::vector<std::string> argv) const {
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.env = currentEnvironment();
  if (!settings_.init.password.empty()) setEnv(spec.env, "PGPASSWORD", settings_.init.password);
  return spec;
}

std::string Supervisor::prepare() {
  const fs::path state(settings_.state_dir);
  std::error_code ec;
  for (const auto& dir : {state, state / "logs", state / "jobs", state / "log" / "pgbackrest",
                          state / "lock", state / "spool"}) {
    fs::create_directories(dir, ec);
    if (ec) return "cannot create " + dir.string() + ": " + ec.message() + "; check PGBR_STATE_DIR";
  }
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace, ec);

  if (settings_.pgbackrest_config_rendered) {
    std::map<std::string, std::string> vars{
        {backrest::kConfigStateDir, settings_.state_dir},
        {backrest::kConfigProcessMax, std::to_string(std::max(1, onlineCpus() / 2))},
        {backrest::kConfigStanza, settings_.stanza},
        {backrest::kConfigPgdata, settings_.pgdata},
        {backrest::kConfigPgPort, std::to_string(settings_.pg_port)},
        {backrest::kConfigPgSocketDir, settings_.pg_socket_dir},
        {backrest::kConfigPgUser, settings_.init.user}};
    std::string rendered;
    try {
      rendered = backrest::renderConfig(backrest::defaultConfigTemplate(), vars);
    } catch (const std::exception& e) {
      return std::string("cannot render pgbackrest.conf: ") + e.what();
    }
    std::string err = writeFileAtomically(settings_.pgbackrest_config, rendered,
                                          fs::perms::owner_read | fs::perms::owner_write);
    if (!err.empty()) return err;
  } else if (!fs::exists(settings_.pgbackrest_config, ec)) {
    return "PGBACKREST_CONFIG names " + settings_.pgbackrest_config +
           ", which does not exist; mount the file or unset the variable";
  }
  // A local repository must exist and belong to us; S3 needs nothing here.
  const char* repo_type = std::getenv("PGBACKREST_REPO1_TYPE");
  if (settings_.pgbackrest_config_rendered && (!repo_type || std::string(repo_type) == "posix")) {
    const char* repo_path = std::getenv("PGBACKREST_REPO1_PATH");
    fs::create_directories(repo_path ? fs::path(repo_path) : state / "repo", ec);
  }

  for (const auto& warning : job_store_->load(clock_.wall())) spdlog::warn("{}", warning);
  const fs::path schedule_file = state / "schedule.json";
  if (fs::exists(schedule_file, ec)) {
    auto doc = nlohmann::json::parse(readFile(schedule_file), nullptr, false);
    std::lock_guard lock(schedule_mutex_);
    if (!doc.is_discarded()) scheduler_->loadState(doc);
  }
  return {};
}

void Supervisor::saveScheduleState() {
  nlohmann::json doc;
  {
    std::lock_guard lock(schedule_mutex_);
    doc = scheduler_->saveState();
  }
  std::string err =
      writeFileAtomically(fs::path(settings_.state_dir) / "schedule.json", doc.dump(1),
                          fs::perms::owner_read | fs::perms::owner_write);
  if (!err.empty()) spdlog::error("cannot save the schedule state: {}", err);
}

// ---------------------------------------------------------------------------------- start-up

void Supervisor::initThread() {
  Initializer initializer(settings_, children_, *postgres_log_, currentEnvironment());
  InitResult result = initializer.run(cancel_init_);
  if (!result.ok()) {
    init_error_ = result.error;
    init_failed_ = true;
    signals_->wake();
    return;
  }
  if (cancel_init_) return;
  std::string rendered = renderSupervisorConf(settings_);
  ApplyConfResult applied =
      applySupervisorConf(settings_.pgdata, rendered, settings_.postgres_args);
  if (!applied.ok()) {
    init_error_ = applied.error;
    init_failed_ = true;
    signals_->wake();
    return;
  }
  if (applied.include_added)
    spdlog::info("added include_if_exists = '{}' at the top of postgresql.conf",
                 kSupervisorConfName);
  for (const auto& w : applied.warnings) spdlog::warn("{}", w);
  init_done_ = true;
  if (!shutting_down_) postgres_->start();
  signals_->wake();
}

bool Supervisor::waitForIdleThenSubmit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                                       JobExecutor exec, Job* out) {
  for (int attempt = 0; attempt < 1000 && !shutting_down_; ++attempt) {
    auto submitted = jobs_->submit(kind, trigger, params, exec);
    if (auto* job = std::get_if<Job>(&submitted)) {
      jobs_->waitIdle(Millis(24LL * 3600 * 1000));
      auto done = jobs_->get(job->id);
      if (done) *out = *done;
      return done.has_value();
    }
    jobs_->waitIdle(Millis(1000));
  }
  return false;
}

void Supervisor::startupSequence() {
  const backrest::CommandContext ctx = backrestContext();
  std::string error;
  Job job;
  auto stanza_argv = backrest::stanzaCreateCommand(ctx, &error);
  if (stanza_argv && waitForIdleThenSubmit(JobKind::kStanzaCreate, JobTrigger::kStartup, {},
                                           commandExecutor(*stanza_argv, false), &job)) {
    if (job.state != JobState::kSucceeded && !shutting_down_)
      spdlog::error("stanza-create failed: {} (backups cannot run until this is fixed; see job {})",
                    job.message, job.id);
  }
  auto check_argv = backrest::checkCommand(ctx, &error);
  if (!shutting_down_ && check_argv &&
      waitForIdleThenSubmit(JobKind::kCheck, JobTrigger::kStartup, {},
                            commandExecutor(*check_argv, false), &job)) {
    if (job.state != JobState::kSucceeded && !shutting_down_)
      spdlog::error("pgbackrest check failed: {} (see job {})", job.message, job.id);
  }
  refreshInfo();
  bool has_backup = false;
  bool stanza_ok = false;
  {
    std::lock_guard lock(info_mutex_);
    if (info_) {
      has_backup = !info_->backups.empty();
      stanza_ok = info_->status.code == backrest::info_status::kOk ||
                  info_->status.code == backrest::info_status::kNoValidBackups;
    }
  }
  if (!shutting_down_ && !has_backup && stanza_ok) {
    spdlog::info("the repository holds no backup yet: taking a first full backup now");
    backrest::BackupOptions options;
    options.type = "full";
    auto argv = backrest::backupCommand(ctx, options, &error);
    if (argv)
      waitForIdleThenSubmit(JobKind::kBackup, JobTrigger::kStartup, {{"type", "full"}},
                            commandExecutor(*argv, true), &job);
  }
  startup_done_ = true;
  ++revision_;
}

// ---------------------------------------------------------------------------------- the loop

void Supervisor::beginShutdown(StopMode mode, int sig) {
  if (shutting_down_ && mode == StopMode::kFast) {
    spdlog::warn("second {} while shutting down: immediate shutdown", signalName(sig));
    mode = StopMode::kImmediate;
  }
  if (!shutting_down_)
    spdlog::info("received SIG{}: {} shutdown", signalName(sig),
                 mode == StopMode::kFast ? "fast" : "immediate");
  shutting_down_ = true;
  ++revision_;
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

std::optional<uint32_t> Supervisor::timelineWithoutBackup() {
  uint32_t current = 0;
  {
    std::lock_guard lock(archive_mutex_);
    if (archive_.pg.ok) current = archive_.pg.timeline;
  }
  if (current == 0) return std::nullopt;  // in recovery, down, or not read yet
  uint32_t newest = 0;
  {
    std::lock_guard lock(info_mutex_);
    if (!info_) return std::nullopt;
    for (const auto& backup : info_->backups) {
      if (backup.wal_start) newest = std::max(newest, walTimeline(*backup.wal_start));
    }
  }
  // No backup at all is the start-up's business (it takes a first full one).
  if (newest == 0 || newest >= current) return std::nullopt;
  return current;
}

void Supervisor::tickSchedule() {
  if (!startup_done_ || shutting_down_) return;
  const bool busy = jobs_->running().has_value() || restore_running_ ||
                    postgres_->state() != ProcessState::kRunning;
  const std::optional<uint32_t> timeline = busy ? std::nullopt : timelineWithoutBackup();
  if (timeline && *timeline != timeline_backup_started_) {
    // A restore that ends in promotion (or a paused one promoted by hand) starts a new timeline,
    // and a backup taken on the old one after the restore's target cannot be the start of a
    // restore into the new one: "latest" would pick it and recovery would refuse the timeline.
    // One backup on the new timeline fixes that (incremental: pgBackRest makes it full when there
    // is none to build on). Tried once per timeline; the schedule's backups also fix it.
    timeline_backup_started_ = *timeline;
    BackupRequest request;
    request.type = "incr";
    request.trigger = JobTrigger::kRestore;
    auto outcome = startBackup(request);
    if (const auto* job = std::get_if<Job>(&outcome)) {
      spdlog::info(
          "postgres writes timeline {} and the repository holds no backup of it yet (a restore "
          "or a promotion started it): taking an incremental backup on it (job {})",
          *timeline, job->id);
    } else {
      spdlog::warn(
          "the backup of the new timeline {} was not started: {}; take one before relying on "
          "later restores",
          *timeline, std::get<Error>(outcome).message);
    }
    return;
  }
  std::optional<BackupType> due;
  {
    std::lock_guard lock(schedule_mutex_);
    due = scheduler_->tick(clock_.wall(), busy);
  }
  if (!due) return;
  BackupRequest request;
  request.type = std::string(toString(*due));
  request.trigger = JobTrigger::kSchedule;
  auto outcome = startBackup(request);
  if (auto* err = std::get_if<Error>(&outcome))
    spdlog::warn("scheduled {} backup not started: {}", request.type, err->message);
  saveScheduleState();
}

int Supervisor::run() {
  signals_ = std::make_unique<SignalSource>();
  init_thread_ = std::thread([this] { initThread(); });
  monitor_thread_ = std::jthread([this](std::stop_token stop) { monitorThread(stop); });
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
      shutting_down_ = true;
      ++revision_;
      break;
    }
    const ProcessState state = postgres_->state();
    if (!startup_started && state == ProcessState::kRunning && !shutting_down_) {
      startup_started = true;
      spdlog::info("postgres is ready to accept connections");
      startup_thread_ = std::thread([this] { startupSequence(); });
    }
    tickSchedule();
    if (state == ProcessState::kFatal && !restore_running_) {
      auto snap = postgres_->snapshot();
      spdlog::error("postgres cannot be kept running: {}; the supervisor exits", snap.message);
      exit_code = snap.last_exit_code.value_or(1);
      if (exit_code == 0) exit_code = 1;
      shutting_down_ = true;
      ++revision_;
      break;
    }
    if (shutting_down_) {
      if (shutdown_deadline == MonoTime{}) shutdown_deadline = clock_.monotonic() + Millis(60000);
      const bool pg_down = !hasProcess(state);
      const bool job_done = !jobs_->running().has_value();
      const bool init_over = init_done_ || init_failed_ || !init_thread_.joinable() || cancel_init_;
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
  jobs_->shutdown();
  monitor_thread_.request_stop();
  if (monitor_thread_.joinable()) monitor_thread_.join();
  if (hasProcess(postgres_->state())) {
    postgres_->stop(StopMode::kImmediate);
    postgres_->waitFor([](ProcessState s) { return !hasProcess(s); }, Millis(3000));
  }
  wound_down = true;
  reaper.join();
  spdlog::info("pgbr-supervisor exits with code {}", exit_code);
  return exit_code;
}

// ---------------------------------------------------------------------------------- caches

void Supervisor::monitorThread(std::stop_token stop) {
  MonoTime next_info{};
  while (!stop.stop_requested()) {
    refreshArchiveHealth();
    const MonoTime now = clock_.monotonic();
    // The repository can be read before Postgres runs: the backup list is there from the start.
    if (now >= next_info || info_refresh_requested_.exchange(false)) {
      refreshInfo();
      next_info = now + std::chrono::duration_cast<Millis>(settings_.info_refresh);
    }
    releaseFreeMemory();
    // Sleep in small steps so a stop request is honoured promptly.
    for (int i = 0; i < kMonitorInterval.count() / 100 && !stop.stop_requested(); ++i) {
      if (info_refresh_requested_) break;
      std::this_thread::sleep_for(Millis(100));
    }
  }
}

bool Supervisor::refreshInfo() {
  std::lock_guard refresh(info_refresh_mutex_);  // one pgbackrest info at a time, whoever asks
  const backrest::CommandContext ctx = backrestContext();
  std::string error;
  auto argv = backrest::infoCommand(ctx, &error);
  if (!argv) return false;
  std::string output;
  RunOptions options;
  options.timeout = Millis(120000);
  options.keep_lines = 100000;
  ++info_runs_;
  RunResult result = runCommand(children_, pgbackrestSpec(*argv), nullptr, options);
  for (const auto& line : result.last_lines) output += line + "\n";
  std::optional<backrest::InfoModel> model;
  if (result.success())
    model = backrest::parseInfo(output, settings_.stanza, &error);
  else
    error = result.started ? "pgbackrest info " + result.status.describe() + ": " +
                                 (result.last_lines.empty() ? "" : result.last_lines.back())
                           : result.spawn_error;
  std::lock_guard lock(info_mutex_);
  info_refreshed_at_ = clock_.wall();
  ++revision_;  // under the lock: a reader of the new revision waits for the new figures
  if (model) {
    info_ = std::move(model);
    info_error_.clear();
    return true;
  }
  info_error_ = error;
  spdlog::warn("cannot read the repository's info: {}", error);
  return false;
}

void Supervisor::refreshArchiveHealth() {
  ArchiveHealth health;
  health.checked_at = clock_.wall();
  const bool running = postgres_->state() == ProcessState::kRunning && !restore_running_;
  if (running)
    health.pg = status_reader_->read();
  else
    status_reader_->disconnect();
  health.queue = scanArchiveStatus(settings_.pgdata, clock_.wall());
  health.known = health.pg.ok || health.queue.ok;
  const auto alert = settings_.archive_alert_age;
  std::vector<std::string> problems;
  if (health.queue.ok && health.queue.oldest_age && *health.queue.oldest_age > alert)
    problems.push_back(std::to_string(health.queue.ready_count) +
                       " WAL segment(s) waiting, oldest " +
                       std::to_string(health.queue.oldest_age->count()) + " s");
  const auto& a = health.pg.archiver;
  if (health.pg.ok && a.last_failed_time &&
      (!a.last_archived_time || *a.last_failed_time > *a.last_archived_time))
    problems.push_back("the last archive attempt failed (" + a.last_failed_wal + ")");
  health.healthy = problems.empty();
  if (!problems.empty()) {
    health.message = "archiving is failing: " + problems.front();
    for (size_t i = 1; i < problems.size(); ++i) health.message += "; " + problems[i];
  } else if (health.pg.ok && !a.last_archived_wal.empty()) {
    health.message = "archiving is healthy";
  } else if (!running) {
    health.message = "postgres is not running";
  } else {
    health.message = "no WAL segment archived yet";
  }
  std::lock_guard lock(archive_mutex_);
  if (archive_.healthy && !health.healthy) spdlog::warn("{}", health.message);
  if (!archive_.healthy && health.healthy && archive_.known) spdlog::info("archiving recovered");
  // Keep the last known Postgres figures while it is down: they are still the truth about the past.
  if (!health.pg.ok && archive_.pg.ok) health.pg.archiver = archive_.pg.archiver;
  archive_ = std::move(health);
  ++revision_;
}

std::optional<WallTime> Supervisor::recoverableTo() {
  std::lock_guard lock(archive_mutex_);
  return archive_.pg.archiver.last_archived_time;
}

nlohmann::json Supervisor::archiveJson() {
  std::lock_guard lock(archive_mutex_);
  const auto& a = archive_.pg.archiver;
  const WallTime now = clock_.wall();
  nlohmann::json j;
  j["last_archived_wal"] =
      a.last_archived_wal.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.last_archived_wal);
  j["last_archived_at"] = timeOrNull(a.last_archived_time);
  j["last_archived_age_s"] =
      a.last_archived_time
          ? nlohmann::json(std::chrono::duration_cast<Seconds>(now - *a.last_archived_time).count())
          : nlohmann::json(nullptr);
  j["archived_count"] = a.archived_count;
  j["failed_count"] = a.failed_count;
  j["last_failed_wal"] =
      a.last_failed_wal.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.last_failed_wal);
  j["last_failed_at"] = timeOrNull(a.last_failed_time);
  j["waiting"] = archive_.queue.ready_count;
  j["oldest_waiting_age_s"] = archive_.queue.oldest_age
                                  ? nlohmann::json(archive_.queue.oldest_age->count())
                                  : nlohmann::json(nullptr);
  j["healthy"] = archive_.healthy;
  j["message"] = archive_.message;
  j["checked_at"] = timeOrNull(archive_.checked_at);
  return j;
}

nlohmann::json Supervisor::postgresJson() {
  ProcessSnapshot snap = postgres_->snapshot();
  nlohmann::json j;
  j["state"] = toString(snap.state);
  j["pid"] = snap.pid > 0 ? nlohmann::json(snap.pid) : nlohmann::json(nullptr);
  j["uptime_s"] =
      snap.pid > 0 ? nlohmann::json(snap.uptime.count() / 1000) : nlohmann::json(nullptr);
  j["started_at"] = timeOrNull(snap.started_at);
  j["ready"] = snap.state == ProcessState::kRunning && !restore_running_;
  j["restarts"] = snap.restarts;
  j["last_exit"] =
      snap.last_exit.empty() ? nlohmann::json(nullptr) : nlohmann::json(snap.last_exit);
  j["last_exit_at"] = timeOrNull(snap.last_exit_at);
  j["message"] = snap.message;
  std::lock_guard lock(archive_mutex_);
  const bool fresh = archive_.pg.ok && snap.state == ProcessState::kRunning;
  j["in_recovery"] = fresh ? nlohmann::json(archive_.pg.in_recovery) : nlohmann::json(nullptr);
  j["connections"] = fresh ? nlohmann::json(archive_.pg.connections) : nlohmann::json(nullptr);
  j["version"] = archive_.pg.server_version.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(archive_.pg.server_version);
  j["system_identifier"] = archive_.pg.system_identifier.empty()
                               ? nlohmann::json(nullptr)
                               : nlohmann::json(archive_.pg.system_identifier);
  return j;
}

// ---------------------------------------------------------------------------------- Service

ReadyState Supervisor::ready() {
  if (restore_running_) return {false, "a restore is running"};
  ProcessState state = postgres_->state();
  if (state != ProcessState::kRunning)
    return {false, "postgres is " + std::string(toString(state))};
  return {true, ""};
}

nlohmann::json Supervisor::status() {
  nlohmann::json j;
  j["postgres"] = postgresJson();
  j["archive"] = archiveJson();
  nlohmann::json backups_doc = backups();
  nlohmann::json repo;
  repo["stanza"] = settings_.stanza;
  repo["status"] = backups_doc["status"];
  repo["backup_count"] = backups_doc["backups"].size();
  repo["last_backup"] =
      backups_doc["backups"].empty() ? nlohmann::json(nullptr) : backups_doc["backups"].back();
  repo["recoverable"] = backups_doc["recoverable"];
  repo["refreshed_at"] = backups_doc.value("refreshed_at", nlohmann::json(nullptr));
  j["repository"] = repo;
  j["schedule"] = schedule()["schedule"];
  auto running = jobs_->running();
  j["running_job"] = running ? toJson(*running) : nlohmann::json(nullptr);
  nlohmann::json sup;
  sup["version"] = PGBR_VERSION;
  sup["uptime_s"] = std::chrono::duration_cast<Seconds>(clock_.monotonic() - started_mono_).count();
  sup["auth"] = settings_.api_auth == AuthMode::kNone ? "none" : "token";
  sup["startup_done"] = startup_done_.load();
  sup["shutting_down"] = shutting_down_.load();
  j["supervisor"] = sup;
  return j;
}

nlohmann::json Supervisor::backups() {
  nlohmann::json doc;
  {
    std::lock_guard lock(info_mutex_);
    if (info_) {
      doc = backrest::toApiJson(*info_);
    } else {
      doc = {{"stanza", settings_.stanza},
             {"status",
              {{"code", nullptr},
               {"message", info_error_.empty() ? "repository not read yet" : info_error_}}},
             {"backups", nlohmann::json::array()},
             {"archive", {{"min", nullptr}, {"max", nullptr}}},
             {"recoverable", {{"from", nullptr}, {"to", nullptr}}}};
    }
    doc["refreshed_at"] = timeOrNull(info_refreshed_at_);
    if (!info_error_.empty()) doc["error"] = info_error_;
  }
  if (!doc["backups"].empty()) {
    // The archiver's time is read every few seconds; right after a backup it can lag behind the
    // backup's own end, which the backup already made recoverable.
    auto to = recoverableTo();
    auto from = doc["recoverable"].value("from", nlohmann::json(nullptr));
    if (from.is_string()) {
      auto from_time = parseRfc3339(from.get<std::string>());
      if (from_time && (!to || *to < *from_time)) to = from_time;
    }
    doc["recoverable"]["to"] = timeOrNull(to);
  }
  return doc;
}

Outcome<nlohmann::json> Supervisor::backup(const std::string& label_or_latest) {
  std::lock_guard lock(info_mutex_);
  const backrest::BackupInfo* found = nullptr;
  if (info_)
    found = label_or_latest == "latest" ? backrest::latest(*info_)
                                        : backrest::findBackup(*info_, label_or_latest);
  if (!found)
    return Error{ErrorCode::kNotFound,
                 label_or_latest == "latest"
                     ? "the repository holds no backup yet"
                     : "no backup labelled " + label_or_latest +
                           " in the repository; list them with GET /api/v1/backups"};
  return backrest::backupToApiJson(*found);
}

Outcome<Job> Supervisor::submit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                                JobExecutor exec) {
  if (shutting_down_) return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
  auto submitted = jobs_->submit(kind, trigger, std::move(params), std::move(exec));
  if (auto* busy = std::get_if<JobBusy>(&submitted)) {
    return Error{ErrorCode::kRepositoryBusy,
                 "the repository is busy with job " + busy->running.id + " (" +
                     std::string(toString(busy->running.kind)) + "); try again when it finished",
                 busy->running.id};
  }
  ++revision_;
  return std::get<Job>(submitted);
}

Outcome<Job> Supervisor::startBackup(const BackupRequest& request) {
  backrest::BackupOptions options;
  options.type = request.type;
  options.annotations = request.annotation;
  std::string error;
  const backrest::CommandContext ctx = backrestContext();
  auto argv = backrest::backupCommand(ctx, options, &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  if (restore_running_) return Error{ErrorCode::kConflict, "a restore is running"};
  if (postgres_->state() != ProcessState::kRunning)
    return Error{
        ErrorCode::kPostgresDown,
        "postgres is " + std::string(toString(postgres_->state())) + "; a backup needs it running"};
  nlohmann::json params{{"type", request.type}};
  if (!request.annotation.empty()) params["annotation"] = request.annotation;
  JobExecutor backup = commandExecutor(*argv, true);
  return submit(JobKind::kBackup, request.trigger, params,
                [this, backup = std::move(backup)](JobContext& job) {
                  recordTimeline(job);
                  return backup(job);
                });
}

void Supervisor::recordTimeline(JobContext& ctx) {
  // pg_control names the timeline of its last checkpoint. After a promotion by hand (pg_promote,
  // a promote signal) the first checkpoint on the new timeline is a spread one that can take
  // minutes, and until it ends pgBackRest refuses to back up ("WAL timeline 2 does not match
  // pg_control timeline 1"). A restore that promotes at its target checkpoints at once.
  constexpr const char* kUnrecorded = R"sql(
SELECT CASE WHEN pg_is_in_recovery() THEN false
            ELSE (SELECT timeline_id FROM pg_control_checkpoint()) <>
                 ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END)sql";
  ConnectResult conn = connectPg(connParams());
  if (!conn.ok()) return;  // pgBackRest says what is wrong with Postgres in its own words
  const QueryValue unrecorded = queryValue(conn.conn.get(), kUnrecorded);
  if (!unrecorded.ok() || unrecorded.value != "t") return;
  ctx.log().appendLine(
      "postgres was promoted to a new timeline and has not checkpointed on it yet: CHECKPOINT");
  const std::string error = execStatement(conn.conn.get(), "CHECKPOINT");
  if (!error.empty()) ctx.log().appendLine("the checkpoint failed: " + error);
}

Outcome<Job> Supervisor::startStanzaCreate(JobTrigger trigger) {
  std::string error;
  const backrest::CommandContext ctx = backrestContext();
  auto argv = backrest::stanzaCreateCommand(ctx, &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  return submit(JobKind::kStanzaCreate, trigger, {}, commandExecutor(*argv, false));
}

std::vector<Job> Supervisor::jobs(size_t limit) {
  return jobs_->list(limit);
}

Outcome<Job> Supervisor::job(const std::string& id) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id + "; list jobs with GET /api/v1/jobs"};
  return *j;
}

Outcome<Job> Supervisor::cancelJob(const std::string& id) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
  if (j->kind == JobKind::kRestore)
    return Error{ErrorCode::kConflict,
                 "a restore cannot be cancelled halfway: the data directory would be left "
                 "half-restored; wait for it to finish"};
  if (!jobs_->cancel(id))
    return Error{ErrorCode::kConflict, "job " + id + " is " + std::string(toString(j->state)) +
                                           ", not running; nothing to cancel"};
  return *jobs_->get(id);
}

Outcome<Job> Supervisor::waitJob(const std::string& id, Millis timeout) {
  const MonoTime deadline = clock_.monotonic() + timeout;
  for (;;) {
    auto j = jobs_->get(id);
    if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
    if (isFinished(j->state) && !(jobs_->running() && jobs_->running()->id == id)) return *j;
    if (clock_.monotonic() >= deadline) return *j;
    jobs_->waitIdle(Millis(500));
  }
}

Outcome<LogView> Supervisor::jobLog(const std::string& id, size_t tail) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
  LogView view;
  if (auto live = jobs_->liveLog(id)) {
    view.lines = live->tail(tail);
    view.last_seq = live->lastSeq();
    view.finished = false;
    return view;
  }
  std::ifstream in(jobs_->logPath(id));
  std::deque<LogLine> lines;
  std::string text;
  uint64_t seq = 0;
  while (std::getline(in, text)) {
    lines.push_back(LogLine{++seq, text});
    if (lines.size() > tail) lines.pop_front();
  }
  view.lines.assign(lines.begin(), lines.end());
  view.last_seq = seq;
  view.finished = true;
  return view;
}

Outcome<std::shared_ptr<LogSink>> Supervisor::jobLiveLog(const std::string& id) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
  return jobs_->liveLog(id);
}

nlohmann::json Supervisor::processes() {
  ProcessSnapshot snap = postgres_->snapshot();
  nlohmann::json p;
  p["name"] = snap.name;
  p["state"] = toString(snap.state);
  p["pid"] = snap.pid > 0 ? nlohmann::json(snap.pid) : nlohmann::json(nullptr);
  p["uptime_s"] =
      snap.pid > 0 ? nlohmann::json(snap.uptime.count() / 1000) : nlohmann::json(nullptr);
  p["started_at"] = timeOrNull(snap.started_at);
  p["restarts"] = snap.restarts;
  p["last_exit"] =
      snap.last_exit.empty() ? nlohmann::json(nullptr) : nlohmann::json(snap.last_exit);
  p["last_exit_at"] = timeOrNull(snap.last_exit_at);
  p["message"] = snap.message;
  return {{"processes", nlohmann::json::array({p})}};
}

Outcome<nlohmann::json> Supervisor::processAction(const std::string& name,
                                                  const std::string& action) {
  if (name != "postgres")
    return Error{ErrorCode::kNotFound, "no process named " + name + "; the only one is postgres"};
  if (restore_running_)
    return Error{ErrorCode::kConflict, "a restore is running; wait for it to finish"};
  if (!init_done_) return Error{ErrorCode::kConflict, "postgres is still being initialised"};
  if (shutting_down_) return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
  std::string err;
  if (action == "start")
    err = postgres_->start();
  else if (action == "stop")
    err = postgres_->stop(StopMode::kFast);
  else if (action == "restart")
    err = postgres_->restart();
  else
    return Error{ErrorCode::kNotFound, "unknown action " + action + "; use start, stop or restart"};
  if (!err.empty()) return Error{ErrorCode::kConflict, err};
  spdlog::info("postgres {} requested through the API", action);
  signals_->wake();
  return processes()["processes"][0];
}

nlohmann::json Supervisor::logs() {
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"name", "postgres"},
                  {"path", postgres_log_->path().string()},
                  {"last_seq", postgres_log_->lastSeq()}});
  if (supervisor_log_)
    list.push_back({{"name", "supervisor"},
                    {"path", supervisor_log_->path().string()},
                    {"last_seq", supervisor_log_->lastSeq()}});
  return {{"logs", list}};
}

LogSink* Supervisor::log(const std::string& name) {
  if (name == "postgres") return postgres_log_.get();
  if (name == "supervisor") return supervisor_log_.get();
  return nullptr;
}

nlohmann::json Supervisor::schedule() {
  std::lock_guard lock(schedule_mutex_);
  return {{"schedule", toJson(scheduler_->status(clock_.wall()))}};
}

// ---------------------------------------------------------------------------------- jobs

JobExecutor Supervisor::commandExecutor(std::vector<std::string> argv, bool track_progress) {
  return [this, argv = std::move(argv), track_progress](JobContext& ctx) {
    backrest::OutputScanner scanner;
    ctx.log().appendLine("$ " + [&] {
      std::string s;
      for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
      return s;
    }());
    RunOptions options;
    options.cancel = &ctx.cancelRequested();
    options.on_line = [&](std::string_view line) {
      scanner.feed(line);
      if (track_progress && scanner.percent()) ctx.setProgress(*scanner.percent());
      if (scanner.backupLabel()) ctx.setBackupLabel(*scanner.backupLabel());
    };
    RunResult result = runCommand(children_, pgbackrestSpec(argv), &ctx.log(), options);
    JobOutcome outcome;
    if (!result.started) {
      outcome.message = "cannot start pgbackrest: " + result.spawn_error;
      return outcome;
    }
    outcome.exit_code = result.status.shellCode();
    if (result.cancelled) {
      outcome.state = JobState::kCancelled;
      outcome.message = "cancelled";
    } else if (result.success()) {
      outcome.state = JobState::kSucceeded;
      outcome.message =
          scanner.backupLabel() ? "backup " + *scanner.backupLabel() + " complete" : "done";
    } else {
      outcome.state = JobState::kFailed;
      outcome.message =
          scanner.error() ? scanner.error()->oneLine()
                          : "pgbackrest " + result.status.describe() +
                                (result.last_lines.empty() ? "" : ": " + result.last_lines.back());
    }
    return outcome;
  };
}

void Supervisor::onJobFinished(const Job& job) {
  {
    std::lock_guard lock(metrics_mutex_);
    ++jobs_total_[{std::string(toString(job.kind)), std::string(toString(job.state))}];
    if (job.started_at && job.finished_at)
      job_last_duration_[std::string(toString(job.kind))] =
          seconds(std::chrono::duration_cast<Millis>(*job.finished_at - *job.started_at));
  }
  if (job.kind == JobKind::kBackup) {
    auto type = parseBackupType(job.params.value("type", ""));
    if (type && job.state != JobState::kCancelled) {
      std::lock_guard lock(schedule_mutex_);
      scheduler_->recordResult(*type, job.finished_at.value_or(clock_.wall()),
                               job.state == JobState::kSucceeded, job.id);
    }
    saveScheduleState();
  }
  // The repository changed (or may have): read it again before anyone sees the job finished.
  refreshInfo();
}

// ---------------------------------------------------------------------------------- restore

namespace {
std::optional<uint64_t> parseLsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    uint64_t hi = std::stoull(text.substr(0, slash), nullptr, 16);
    uint64_t lo = std::stoull(text.substr(slash + 1), nullptr, 16);
    return (hi << 32) | lo;
  } catch (...) {
    return std::nullopt;
  }
}
}  // namespace

std::string Supervisor::validateRestore(const RestoreRequest& request, ErrorCode* code) {
  *code = ErrorCode::kBadRequest;
  if (request.confirm != settings_.stanza) {
    *code = ErrorCode::kConfirmRequired;
    return "a restore replaces the database's current contents; confirm it by sending "
           "\"confirm\": \"" +
           settings_.stanza + "\" (the stanza name)";
  }
  if (!init_done_) return "postgres is still being initialised";
  std::lock_guard lock(info_mutex_);
  if (!info_ || info_->backups.empty()) {
    *code = ErrorCode::kUnrecoverable;
    return "the repository holds no backup to restore from";
  }
  const backrest::BackupInfo* set = nullptr;
  if (!request.set.empty()) {
    set = backrest::findBackup(*info_, request.set);
    if (!set) return "no backup labelled " + request.set + " in the repository";
  }
  const auto from = backrest::recoverableFrom(*info_);
  if (request.type == "time") {
    std::string error;
    auto instant = backrest::targetTimeInstant(request.target, &error);
    if (!instant) return "target: " + error;
    auto to = recoverableTo();
    // pgBackRest takes the newest backup whose stop time (whole seconds) is before the target's
    // whole second: a target within the second a backup finished finds none, and the restore
    // would fail with Postgres already stopped. The earliest target is one second later.
    const WallTime lower =
        (set ? set->finished_at : from.value_or(info_->backups.front().finished_at)) + Seconds(1);
    const WallTime upper = to.value_or(clock_.wall());
    if (*instant < lower || *instant > std::max(upper, clock_.wall())) {
      *code = ErrorCode::kUnrecoverable;
      return "target " + request.target + " is outside the recoverable window " +
             formatRfc3339(lower) + " .. " + formatRfc3339(upper) +
             (set ? " of backup " + set->label : std::string()) + "; choose a time inside it";
    }
    if (to && *instant > *to) {
      // After the newest archived WAL but before now: only reachable if the WAL still to be
      // archived arrives. Refuse rather than restore to a point that may not exist.
      *code = ErrorCode::kUnrecoverable;
      return "target " + request.target + " is after the newest archived WAL (" +
             formatRfc3339(*to) +
             "); wait for archiving (archive_timeout) or choose an earlier time";
    }
  } else if (request.type == "lsn") {
    auto lsn = parseLsn(request.target);
    if (!lsn) return "target: an LSN looks like 0/16B3740";
    const backrest::BackupInfo* base = set ? set : backrest::oldestRecoverableBackup(*info_);
    if (base && base->lsn_stop) {
      auto stop = parseLsn(*base->lsn_stop);
      if (stop && *lsn < *stop) {
        *code = ErrorCode::kUnrecoverable;
        return "target LSN " + request.target + " is before the end of backup " + base->label +
               " (" + *base->lsn_stop + "); choose a later LSN or an older backup set";
      }
    }
  }
  return {};
}

Outcome<Job> Supervisor::startRestore(const RestoreRequest& request) {
  backrest::RestoreOptions options;
  options.type = request.type;
  options.target = request.target;
  options.set = request.set;
  options.target_action = request.target_action.empty() ? "promote" : request.target_action;
  options.db_include = request.db_include;
  std::string error;
  const backrest::CommandContext ctx = backrestContext();
  auto argv = backrest::restoreCommand(ctx, options, &error);
  if (!argv) return Error{ErrorCode::kBadRequest, error};
  ErrorCode code;
  std::string problem = validateRestore(request, &code);
  if (!problem.empty()) return Error{code, problem};
  if (auto running = jobs_->running())
    return Error{ErrorCode::kRepositoryBusy,
                 "the repository is busy with job " + running->id + " (" +
                     std::string(toString(running->kind)) + "); nothing was stopped",
                 running->id};
  nlohmann::json params{{"type", request.type}, {"target_action", options.target_action}};
  if (!request.target.empty()) params["target"] = request.target;
  if (!request.set.empty()) params["set"] = request.set;
  if (!request.db_include.empty()) params["db_include"] = request.db_include;
  restore_running_ = true;
  auto outcome =
      submit(JobKind::kRestore, JobTrigger::kApi, params, restoreExecutor(*argv, request));
  if (std::holds_alternative<Error>(outcome)) {
    restore_running_ = false;
    ++revision_;
  }
  return outcome;
}

JobExecutor Supervisor::restoreExecutor(std::vector<std::string> argv, RestoreRequest request) {
  return [this, argv = std::move(argv), request](JobContext& ctx) {
    struct Done {
      std::atomic<bool>& flag;
      std::atomic<uint64_t>& revision;
      ~Done() {
        flag = false;
        ++revision;
      }
    } done{restore_running_, revision_};
    JobOutcome outcome;
    auto say = [&](const std::string& line) {
      ctx.log().appendLine(line);
      ctx.setMessage(line);
      spdlog::info("restore: {}", line);
    };
    say("stopping postgres (fast shutdown)");
    status_reader_->disconnect();
    postgres_->stop(StopMode::kFast);
    const Millis stop_wait =
        std::chrono::duration_cast<Millis>(settings_.stop_timeout) + Millis(10000);
    if (hasProcess(postgres_->waitFor([](ProcessState s) { return !hasProcess(s); }, stop_wait))) {
      outcome.message = "postgres did not stop; nothing was restored";
      return outcome;
    }
    say("running pgbackrest restore");
    ctx.setProgress(0);
    JobOutcome restored = commandExecutor(argv, true)(ctx);
    if (restored.state != JobState::kSucceeded) {
      restored.state = JobState::kFailed;
      restored.message =
          "restore failed: " + restored.message +
          "; postgres is left stopped so a half-restored data directory is not used. "
          "Fix the cause and run the restore again (it is safe to retry), or start "
          "postgres through the API";
      ctx.log().appendLine(restored.message);
      return restored;
    }
    if (shutting_down_) {
      outcome.message =
          "restored, but the supervisor is shutting down; postgres starts with it next time";
      outcome.state = JobState::kSucceeded;
      return outcome;
    }
    say("starting postgres and waiting for recovery to finish");
    postgres_->start();
    signals_->wake();
    const Millis start_wait = std::chrono::duration_cast<Millis>(settings_.start_timeout);
    ProcessState s = postgres_->waitFor(
        [](ProcessState st) {
          return st == ProcessState::kRunning || st == ProcessState::kFatal ||
                 st == ProcessState::kBackoff || st == ProcessState::kStopped;
        },
        start_wait);
    // Postgres that cannot start from the restored data directory (a recovery target that is
    // never reached, a timeline that does not fit) fails the same way at every restart: stop
    // retrying, so the supervisor does not give up on it as FATAL and exit, and leave it stopped
    // for the user to read the log and restore again.
    auto leaveStopped = [&](const std::string& what) {
      const ProcessSnapshot snap = postgres_->snapshot();
      postgres_->stop(StopMode::kFast);
      postgres_->waitFor([](ProcessState st) { return !hasProcess(st); }, stop_wait);
      std::string fatal;
      for (const LogLine& line : postgres_log_->tail(200)) {
        const size_t at = line.text.find("FATAL:  ");
        if (at != std::string::npos && line.text.find("is starting up") == std::string::npos)
          fatal = line.text.substr(at + 8);
      }
      outcome.message = what + (snap.last_exit.empty() ? "" : " (" + snap.last_exit + ")") +
                        (fatal.empty() ? "" : ": " + fatal) +
                        "; postgres is left stopped. Read the postgres log, then run the restore "
                        "again (another target, or type delta to recover to the end of the "
                        "archive), or start postgres through the API";
      ctx.log().appendLine(outcome.message);
      return outcome;
    };
    if (s != ProcessState::kRunning) {
      return leaveStopped("postgres did not come back after the restore");
    }
    const pid_t recovering_pid = postgres_->snapshot().pid;
    // pg_ctl-style readiness returns while recovery still replays WAL: poll until it ends (or, for
    // target_action=pause, until replay is paused at the target).
    const bool pause =
        request.target_action == "pause" && request.type != "delta" && request.type != "set";
    const MonoTime deadline = clock_.monotonic() + start_wait;
    std::string last_error;
    bool finished = false;
    while (clock_.monotonic() < deadline && !shutting_down_) {
      // Hot standby accepts connections while WAL is replayed; recovery can still end in FATAL
      // (target not reached), after which the supervisor would restart it again and again.
      const ProcessSnapshot snap = postgres_->snapshot();
      if (snap.state != ProcessState::kRunning || snap.pid != recovering_pid) {
        return leaveStopped("postgres exited during recovery after the restore");
      }
      ConnectResult conn = connectPg(connParams());
      if (conn.ok()) {
        QueryValue in_recovery = queryValue(conn.conn.get(), "select pg_is_in_recovery()::text");
        if (in_recovery.ok() && in_recovery.value == "false") {
          finished = true;
          break;
        }
        if (pause) {
          QueryValue paused = queryValue(conn.conn.get(), "select pg_get_wal_replay_pause_state()");
          if (paused.ok() && paused.value == "paused") {
            finished = true;
            break;
          }
        }
        last_error = in_recovery.error;
      } else {
        last_error = conn.error;
      }
      std::this_thread::sleep_for(Millis(250));
    }
    if (!finished) {
      outcome.message = "postgres started but recovery did not finish in time" +
                        (last_error.empty() ? std::string() : ": " + last_error);
      return outcome;
    }
    ConnectResult check = connectPg(connParams());
    QueryValue one = check.ok() ? queryValue(check.conn.get(), "select 1") : QueryValue{};
    if (!check.ok() || !one.ok()) {
      outcome.message =
          "postgres is up but a test query failed: " + (check.ok() ? one.error : check.error);
      return outcome;
    }
    outcome.state = JobState::kSucceeded;
    outcome.exit_code = 0;
    outcome.message = pause
                          ? "restored; recovery is paused at the target: check the data, then run "
                            "SELECT pg_wal_replay_resume() to promote"
                          : "restored; postgres is up and accepting connections";
    ctx.log().appendLine(outcome.message);
    info_refresh_requested_ = true;
    return outcome;
  };
}

// ---------------------------------------------------------------------------------- config,
// metrics

nlohmann::json Supervisor::config() {
  return redactedSettingsJson(settings_);
}

namespace {

// Prometheus label values escape backslash, quote and newline.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class MetricsText {
 public:
  void family(const std::string& name, const std::string& type, const std::string& help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::string& name,
              const std::vector<std::pair<std::string, std::string>>& labels, double value) {
    out_ << name;
    if (!labels.empty()) {
      out_ << '{';
      for (size_t i = 0; i < labels.size(); ++i)
        out_ << (i ? "," : "") << labels[i].first << "=\"" << label(labels[i].second) << '"';
      out_ << '}';
    }
    out_ << ' ' << value << '\n';
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

}  // namespace

std::string Supervisor::metrics() {
  MetricsText m;
  const std::string stanza = settings_.stanza;
  const WallTime now = clock_.wall();
  {
    // Names follow pgbackrest_exporter where they overlap, so existing dashboards keep working.
    std::lock_guard lock(info_mutex_);
    m.family("pgbackrest_stanza_status", "gauge",
             "pgBackRest stanza status code (0 ok, 2 no valid backups, 99 other error)");
    m.sample("pgbackrest_stanza_status", {{"stanza", stanza}}, info_ ? info_->status.code : -1);
    if (info_) {
      m.family("pgbackrest_repo_status", "gauge", "Status code of each repository");
      for (const auto& r : info_->repos)
        m.sample("pgbackrest_repo_status",
                 {{"repo_key", std::to_string(r.key)}, {"stanza", stanza}}, r.status.code);
      m.family("pgbackrest_backup_info", "gauge", "One sample per backup in the repository");
      m.family("pgbackrest_backup_duration_seconds", "gauge", "Backup duration");
      m.family("pgbackrest_backup_size_bytes", "gauge", "Database size at backup time");
      m.family("pgbackrest_backup_delta_bytes", "gauge", "Bytes copied by the backup");
      m.family("pgbackrest_backup_repo_size_bytes", "gauge", "Backup size in the repository");
      m.family("pgbackrest_backup_repo_delta_bytes", "gauge",
               "Bytes this backup added to the repository");
      for (const auto& b : info_->backups) {
        std::vector<std::pair<std::string, std::string>> l{{"backup_name", b.label},
                                                           {"backup_type", b.type},
                                                           {"repo_key", std::to_string(b.repo_key)},
                                                           {"stanza", stanza}};
        m.sample("pgbackrest_backup_info", l, 1);
        m.sample("pgbackrest_backup_duration_seconds", l,
                 seconds(std::chrono::duration_cast<Millis>(b.finished_at - b.started_at)));
        m.sample("pgbackrest_backup_size_bytes", l, static_cast<double>(b.size));
        m.sample("pgbackrest_backup_delta_bytes", l, static_cast<double>(b.delta));
        m.sample("pgbackrest_backup_repo_size_bytes", l, static_cast<double>(b.repo_size));
        m.sample("pgbackrest_backup_repo_delta_bytes", l, static_cast<double>(b.repo_delta));
      }
      m.family("pgbackrest_backup_since_last_completion_seconds", "gauge",
               "Seconds since the last completed backup of each type (a full also counts for diff "
               "and incr, a diff for incr)");
      for (const std::string type : {"full", "diff", "incr"}) {
        std::optional<WallTime> last;
        for (const auto& b : info_->backups) {
          bool counts = b.type == type || b.type == "full" || (type == "incr" && b.type == "diff");
          if (counts && (!last || b.finished_at > *last)) last = b.finished_at;
        }
        if (last)
          m.sample("pgbackrest_backup_since_last_completion_seconds",
                   {{"backup_type", type}, {"stanza", stanza}},
                   seconds(std::chrono::duration_cast<Millis>(now - *last)));
      }
      m.family("pgbackrest_wal_archive_status", "gauge",
               "1 when the repository holds WAL for the current database");
      for (const auto& a : info_->archives)
        m.sample("pgbackrest_wal_archive_status",
                 {{"database_id", std::to_string(a.db_id)},
                  {"pg_version", a.id},
                  {"repo_key", std::to_string(a.repo_key)},
                  {"stanza", stanza},
                  {"wal_max", a.max.value_or("")},
                  {"wal_min", a.min.value_or("")}},
                 a.min ? 1 : 0);
    }
  }
  ProcessSnapshot snap = postgres_->snapshot();
  m.family("pgbr_process_up", "gauge", "1 when the process is RUNNING");
  m.sample("pgbr_process_up", {{"name", snap.name}}, snap.state == ProcessState::kRunning ? 1 : 0);
  m.family("pgbr_process_restarts_total", "counter",
           "Automatic restarts since the supervisor started");
  m.sample("pgbr_process_restarts_total", {{"name", snap.name}}, snap.restarts);
  m.family("pgbr_process_uptime_seconds", "gauge", "Seconds since the process started");
  m.sample("pgbr_process_uptime_seconds", {{"name", snap.name}}, seconds(snap.uptime));
  {
    std::lock_guard lock(archive_mutex_);
    const auto& a = archive_.pg.archiver;
    m.family("pgbr_archive_healthy", "gauge", "1 when WAL archiving keeps up");
    m.sample("pgbr_archive_healthy", {}, archive_.healthy ? 1 : 0);
    m.family("pgbr_archive_waiting_segments", "gauge",
             "WAL segments waiting to be archived (.ready files)");
    m.sample("pgbr_archive_waiting_segments", {}, static_cast<double>(archive_.queue.ready_count));
    m.family("pgbr_archive_oldest_waiting_age_seconds", "gauge",
             "Age of the oldest WAL segment waiting");
    m.sample(
        "pgbr_archive_oldest_waiting_age_seconds", {},
        archive_.queue.oldest_age ? static_cast<double>(archive_.queue.oldest_age->count()) : 0);
    m.family("pgbr_archive_failed_total", "counter", "Failed archive attempts (pg_stat_archiver)");
    m.sample("pgbr_archive_failed_total", {}, static_cast<double>(a.failed_count));
    m.family("pgbr_archive_archived_total", "counter", "Archived WAL files (pg_stat_archiver)");
    m.sample("pgbr_archive_archived_total", {}, static_cast<double>(a.archived_count));
    if (a.last_archived_time) {
      m.family("pgbr_archive_lag_seconds", "gauge",
               "Seconds since the last WAL segment was archived");
      m.sample("pgbr_archive_lag_seconds", {},
               seconds(std::chrono::duration_cast<Millis>(now - *a.last_archived_time)));
    }
  }
  {
    std::lock_guard lock(metrics_mutex_);
    m.family("pgbr_jobs_total", "counter", "Finished jobs by kind and final state");
    for (const auto& [key, count] : jobs_total_)
      m.sample("pgbr_jobs_total", {{"kind", key.first}, {"state", key.second}},
               static_cast<double>(count));
    m.family("pgbr_job_last_duration_seconds", "gauge",
             "Duration of the last finished job of each kind");
    for (const auto& [kind, secs] : job_last_duration_)
      m.sample("pgbr_job_last_duration_seconds", {{"kind", kind}}, secs);
  }
  m.family("pgbr_job_running", "gauge", "1 while a job runs");
  m.sample("pgbr_job_running", {}, jobs_->running() ? 1 : 0);
  m.family("pgbr_info_refreshes_total", "counter", "pgbackrest info runs (cache refreshes)");
  m.sample("pgbr_info_refreshes_total", {}, static_cast<double>(info_runs_.load()));
  m.family("pgbr_orphans_reaped_total", "counter", "Orphaned processes reaped by PID 1");
  m.sample("pgbr_orphans_reaped_total", {}, static_cast<double>(children_.orphansReaped()));
  return m.str();
}

}  // namespace pgbr
