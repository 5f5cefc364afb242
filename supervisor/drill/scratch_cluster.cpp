#include "supervisor/drill/scratch_cluster.h"

#include <thread>

#include "supervisor/backrest/progress.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// Lines of the copy's log that explain why it ended or did not become ready.
bool explains(std::string_view line) {
  for (const char* marker :
       {"FATAL:", "PANIC:", "ERROR:", "recovery ended before", "recovery stopping",
        "requested recovery stop point", "could not", "invalid", "archive-get"}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

// Refuses a root that would put the copy into, or remove, what the live cluster needs.
std::string checkRoot(const Settings& settings, const fs::path& root) {
  if (!root.is_absolute()) return "the scratch folder must be an absolute path";
  const fs::path r = root.lexically_normal();
  auto inside = [](const fs::path& inner, const fs::path& outer) {
    const std::string a = inner.lexically_normal().string() + "/";
    std::string b = outer.lexically_normal().string();
    if (b.empty() || b.back() != '/') b += "/";
    return a.compare(0, b.size(), b) == 0;
  };
  if (inside(r, settings.pgdata) || inside(settings.pgdata, r / "data"))
    return "the scratch folder " + r.string() + " overlaps the live data directory";
  return {};
}

}  // namespace

ScratchCluster::ScratchCluster(const Settings& settings, const Clock& clock, Children& children,
                               const BackrestRunner& backrest, ScratchOptions options)
    : settings_(settings),
      clock_(clock),
      children_(children),
      backrest_(backrest),
      options_(std::move(options)),
      layout_{options_.root},
      port_(options_.port > 0 ? options_.port : scratchPort(settings.pg_port)) {}

ScratchCluster::~ScratchCluster() {
  remove();
}

SpaceDecision ScratchCluster::checkSpace(uint64_t database_bytes) const {
  const SpaceMeasure measured = measureSpace(layout_.root);
  if (!measured.error.empty()) {
    SpaceDecision d;
    d.reason = measured.error;
    return d;
  }
  return decideSpace({database_bytes, measured.available_bytes, measured.capacity_bytes},
                     layout_.root.string());
}

ScratchRestoreResult ScratchCluster::restore(const backrest::RestoreOptions& what, LogSink& log,
                                             const std::atomic<bool>& cancel,
                                             const std::function<void(double)>& progress) {
  ScratchRestoreResult result;
  const MonoTime began = clock_.monotonic();
  if (std::string problem = checkRoot(settings_, layout_.root); !problem.empty()) {
    result.error = problem;
    return result;
  }
  // A copy or a restore a killed supervisor left behind would write into the new one.
  std::string problem = stop();
  cleanupScratch(layout_.root, children_, &problem);
  if (!problem.empty()) {
    result.error = "cannot empty the scratch folder: " + problem;
    return result;
  }
  std::error_code ec;
  for (const fs::path& dir : {layout_.data(), layout_.tablespaces(), layout_.socketDir()}) {
    fs::create_directories(dir, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      result.error = "cannot create " + dir.string() + ": " + ec.message();
      return result;
    }
  }
  std::string error;
  std::optional<backrest::Argv> argv =
      scratchRestoreArgv(backrest_.context(), layout_, what, &error);
  if (!argv) {
    result.error = error;
    return result;
  }
  std::vector<std::string> command = options_.low_priority ? lowPriority(*argv) : *argv;
  std::string shown = "$";
  for (const auto& a : command) shown += " " + a;
  log.appendLine(shown);
  backrest::OutputScanner scanner;
  RunOptions run;
  run.cancel = &cancel;
  run.on_line = [&](std::string_view line) {
    scanner.feed(line);
    if (progress && scanner.percent()) progress(*scanner.percent());
  };
  const RunResult ran = runCommand(children_, backrest_.spec(command), &log, run);
  result.duration = std::chrono::duration_cast<Millis>(clock_.monotonic() - began);
  result.cancelled = ran.cancelled;
  result.ok = ran.success();
  if (!ran.started) {
    result.error = "cannot start pgbackrest: " + ran.spawn_error;
  } else if (ran.cancelled) {
    result.error = "cancelled";
  } else if (!result.ok) {
    result.error = scanner.error()
                       ? scanner.error()->oneLine()
                       : "pgbackrest restore " + ran.status.describe() +
                             (ran.last_lines.empty() ? "" : ": " + ran.last_lines.back());
  }
  return result;
}

ScratchStartResult ScratchCluster::start(LogSink& log, const std::atomic<bool>& cancel) {
  ScratchStartResult result;
  std::error_code ec;
  if (!fs::exists(layout_.data() / "PG_VERSION", ec)) {
    result.reason = "nothing restored at " + layout_.data().string();
    return result;
  }
  stop();
  copy_log_ = std::make_unique<LogSink>("copy", fs::path(), LogSinkOptions{0, 0, 4000});
  copy_log_->setLineHook(
      [&log](std::string_view line) { log.appendLine("copy: " + std::string(line)); });
  SpawnSpec spec;
  const std::vector<std::string> argv = scratchPostmasterArgv(settings_, layout_, port_);
  spec.argv = options_.low_priority ? lowPriority(argv) : argv;
  spec.env = currentEnvironment();
  std::string shown = "$";
  for (const auto& a : spec.argv) shown += " " + a;
  log.appendLine(shown);
  const MonoTime began = clock_.monotonic();
  SpawnResult spawned = children_.spawn(spec);
  if (!spawned.ok()) {
    result.reason = "cannot start the copy: " + spawned.error;
    return result;
  }
  pid_ = spawned.pid;
  exit_.reset();
  if (spawned.output.valid())
    pump_ = std::make_unique<OutputPump>(std::move(spawned.output), *copy_log_);
  const MonoTime deadline = began + options_.start_timeout;
  const ConnParams params = connParams();
  auto finish = [&](ScratchState state, std::string reason) {
    result.state = state;
    result.reason = std::move(reason);
    result.duration = std::chrono::duration_cast<Millis>(clock_.monotonic() - began);
    return result;
  };
  for (;;) {
    if (cancel.load()) {
      stop();
      return finish(ScratchState::kCancelled, "cancelled");
    }
    if (auto status = children_.waitExit(pid_, Millis(100))) {
      exit_ = status;
      pump_.reset();  // the pipe is closed: every line is in the log now
      for (const std::string& line : copyLog(400))
        if (explains(line)) result.why.push_back(line);
      if (result.why.size() > 12) result.why.erase(result.why.begin(), result.why.end() - 12);
      std::string last = result.why.empty() ? std::string() : ": " + result.why.back();
      return finish(ScratchState::kExited,
                    "the copy " + status->describe() + " before it accepted connections" + last);
    }
    if (pingReady(params)) {
      ConnectResult conn = connectPg(params);
      if (conn.ok()) {
        QueryRows state = queryRows(
            conn.conn.get(),
            "select pg_is_in_recovery()::text, "
            "case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() else '' end");
        if (state.ok() && !state.rows.empty()) {
          const bool recovering = state.rows[0][0] == std::optional<std::string>("true");
          const bool paused = state.rows[0][1] == std::optional<std::string>("paused");
          if (!recovering || paused) {
            result.in_recovery = recovering;
            return finish(ScratchState::kReady, "");
          }
        }
      }
    }
    if (clock_.monotonic() > deadline) {
      stop();
      return finish(ScratchState::kTimedOut,
                    "the copy did not finish recovery and accept connections within " +
                        std::to_string(options_.start_timeout.count() / 1000) + " s");
    }
    std::this_thread::sleep_for(Millis(100));
  }
}

ConnParams ScratchCluster::connParams(const std::string& dbname) const {
  ConnParams p = supervisorConnParams(settings_);
  p.socket_dir = layout_.socketDir().string();
  p.port = port_;
  p.dbname = dbname;
  p.statement_timeout_ms = 0;
  p.application_name = "pgbr-supervisor scratch";
  return p;
}

SpawnSpec ScratchCluster::clientSpec(const std::string& program,
                                     std::vector<std::string> args) const {
  SpawnSpec spec;
  std::vector<std::string> argv{pgBinary(settings_, program)};
  for (std::string& a : args) argv.push_back(std::move(a));
  spec.argv = options_.low_priority ? lowPriority(std::move(argv)) : std::move(argv);
  spec.env = currentEnvironment();
  if (!settings_.init.password.empty()) setEnv(spec.env, "PGPASSWORD", settings_.init.password);
  return spec;
}

std::vector<std::string> ScratchCluster::copyLog(size_t lines) const {
  std::vector<std::string> out;
  if (!copy_log_) return out;
  for (const LogLine& line : copy_log_->tail(lines)) out.push_back(line.text);
  return out;
}

std::string ScratchCluster::stop() {
  if (pid_ < 0) return "";
  // Immediate shutdown: the copy is thrown away, a checkpoint would only cost I/O.
  if (!exit_) {
    children_.signalProcess(pid_, sig::kQuit);
    exit_ = children_.waitExit(pid_, Seconds(10));
  }
  if (!exit_) {
    children_.signalGroup(pid_, sig::kKill);
    exit_ = children_.waitExit(pid_, Seconds(5));
  }
  const bool stopped = exit_.has_value();
  pid_ = -1;
  pump_.reset();
  if (copy_log_) copy_log_->setLineHook(nullptr);  // the caller's log may be gone after this
  return stopped ? "" : "the copy did not stop";
}

std::string ScratchCluster::remove() {
  std::string problem = stop();
  std::error_code ec;
  for (const fs::path& dir : {layout_.data(), layout_.tablespaces(), layout_.socketDir()}) {
    fs::remove_all(dir, ec);
    if (ec && problem.empty()) problem = "cannot remove " + dir.string() + ": " + ec.message();
  }
  return problem;
}

}  // namespace pgbr
