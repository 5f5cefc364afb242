// The dumps capability (dump_capability.h).
#include "supervisor/dumps/dump_capability.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "supervisor/common/file_write.h"
#include "supervisor/common/json_text.h"
#include "supervisor/common/json_time.h"
#include "supervisor/dumps/dump_catalog.h"
#include "supervisor/dumps/dump_store.h"
#include "supervisor/jobs/job_submit.h"
#include "supervisor/schedule/cron_schedule.h"
#include "supervisor/schedule/time_zone.h"
#include "supervisor/storage/encrypted_store.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

Error unavailable(const std::string& why) {
  return Error{ErrorCode::kConflict, "dumps are not available: " + why};
}

class DumpCapability final : public Capability, public DumpService {
 public:
  explicit DumpCapability(const CoreParts& parts)
      : p_(parts),
        dir_(fs::path(parts.settings.state_dir) / "dumps"),
        schedule_(CronExpr::fromSetting(parts.settings.schedule_dump), tz_) {
    store_ = openDumpStore(p_.settings, &store_error_);
    if (!store_) spdlog::warn("dumps: {}", store_error_);
    encrypted_ = dynamic_cast<EncryptedStore*>(store_.get()) != nullptr;
    std::ifstream in(dir_ / "schedule.json");
    const nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    if (state.is_object()) schedule_.loadState(state);
  }

  std::string_view name() const override { return kDumpCapability; }

  // The run list is read once in the background, so the metrics have it without waiting for
  // the first request.
  void start() override {
    if (!store_) return;
    loader_ = std::jthread([this] {
      std::vector<DumpManifest> runs;
      if (std::string error = load(&runs); !error.empty())
        spdlog::warn("dumps: cannot list the dumps in {}: {}", store_->describe(), error);
    });
  }
  void stop() override {
    if (loader_.joinable()) loader_.join();
  }

  void tick(bool busy) override {
    bool due = false;
    {
      std::lock_guard lock(mutex_);
      due = schedule_.tick(p_.clock.wall(), busy);
      if (due) saveSchedule();
    }
    if (!due) return;
    DumpRunRequest request;
    request.trigger = JobTrigger::kSchedule;
    auto outcome = startDump(request);
    if (const auto* job = std::get_if<Job>(&outcome))
      spdlog::info("scheduled dump started (job {})", job->id);
    else
      spdlog::warn("scheduled dump not started: {}", std::get<Error>(outcome).message);
  }

  void onJobFinished(const Job& job) override {
    if (job.kind == JobKind::kDump) {
      std::lock_guard lock(mutex_);
      schedule_.recordRun(job.finished_at.value_or(p_.clock.wall()));
      saveSchedule();
      if (job.state == JobState::kFailed) ++failures_;
      last_dump_ = job;  // the run list was read again by the job itself (expire)
    } else if (job.kind == JobKind::kDumpRestore && job.state != JobState::kCancelled) {
      std::lock_guard lock(mutex_);
      last_restore_ = job;
    }
  }

  void addStatus(nlohmann::json& status) override {
    std::lock_guard lock(mutex_);
    nlohmann::json s;
    s["available"] = store_ != nullptr;
    s["error"] = store_ ? nlohmann::json(nullptr) : nlohmann::json(store_error_);
    s["schedule"] = schedule_.status();
    s["last_job"] = last_dump_ ? toJson(*last_dump_) : nlohmann::json(nullptr);
    status["dumps"] = std::move(s);
  }

  void addMetrics(Metrics& metrics) override {
    std::lock_guard lock(mutex_);
    MetricFamily failures{"pgbr_dump_failures_total",
                          "counter",
                          "Dump runs that failed since the supervisor started",
                          {}};
    failures.add({}, static_cast<int64_t>(failures_));
    MetricFamily when{"pgbr_dump_last_success_timestamp_seconds",
                      "gauge",
                      "Start of the newest dump run kept in the repository, per database, Unix "
                      "time",
                      {}};
    MetricFamily size{"pgbr_dump_size_bytes",
                      "gauge",
                      "Size of each database's dump in the newest run, bytes",
                      {}};
    if (loaded_ && !runs_.empty())
      for (const DumpDatabase& db : runs_.front().databases) {
        when.add({{"database", db.name}},
                 static_cast<int64_t>(std::chrono::duration_cast<Seconds>(
                                          runs_.front().started_at.time_since_epoch())
                                          .count()));
        size.add({{"database", db.name}}, static_cast<int64_t>(db.file.size));
      }
    MetricFamily check{"pgbr_dump_restore_check_status",
                       "gauge",
                       "Result of the last dump restore and its row-count check: 0 passed, 1 "
                       "failed",
                       {}};
    if (last_restore_) check.add({}, int64_t{last_restore_->state == JobState::kSucceeded ? 0 : 1});
    metrics.push_back(std::move(failures));
    for (MetricFamily* family : {&when, &size, &check})
      if (!family->samples.empty()) metrics.push_back(std::move(*family));
  }

  // DumpService
  Outcome<nlohmann::json> databases() override {
    std::string error;
    const std::vector<ServerDatabase> dbs = dumpableDatabases(p_.settings, &error);
    if (!error.empty())
      return Error{ErrorCode::kPostgresDown, "cannot list the databases: " + error};
    nlohmann::json list = nlohmann::json::array();
    for (const ServerDatabase& db : dbs)
      list.push_back({{"name", db.name}, {"size", db.size}, {"encoding", db.encoding}});
    return nlohmann::json{{"databases", std::move(list)}};
  }

  Outcome<Job> startDump(const DumpRunRequest& request) override {
    if (!store_) return unavailable(store_error_);
    if (request.annotation.size() > 500)
      return Error{ErrorCode::kBadRequest, "annotation: at most 500 bytes"};
    if (!request.databases.empty()) {
      std::string error;
      const std::vector<ServerDatabase> dbs = dumpableDatabases(p_.settings, &error);
      if (!error.empty())
        return Error{ErrorCode::kPostgresDown, "cannot list the databases: " + error};
      for (const std::string& name : request.databases)
        if (std::none_of(dbs.begin(), dbs.end(), [&](const auto& d) { return d.name == name; }))
          return Error{ErrorCode::kNotFound, "there is no database \"" + name +
                                                 "\" that accepts connections; list them with "
                                                 "GET /api/v1/databases"};
    }
    if (p_.run.restore_running)
      return Error{ErrorCode::kConflict, "a restore is running; dump when it has finished"};
    // The dumps would land beside the other database's, in its stanza's folder and retention.
    if (const std::optional<std::string> why = p_.monitor.stanzaMismatch())
      return Error{ErrorCode::kConflict, "refused, nothing was changed: " + *why};
    nlohmann::json params = nlohmann::json::object();
    if (!request.databases.empty()) params["databases"] = request.databases;
    if (!request.annotation.empty()) params["annotation"] = request.annotation;
    return submitJob(p_.jobs, p_.run, JobKind::kDump, request.trigger, params,
                     [this, request](JobContext& ctx) {
                       DumpJobParts parts{p_.settings, p_.clock, p_.children, *store_, encrypted_};
                       std::optional<DumpManifest> made;
                       JobOutcome outcome = runDump(ctx, parts, request, &made);
                       if (made) expire(ctx);
                       return outcome;
                     });
  }

  Outcome<nlohmann::json> dumps() override {
    if (!store_) return unavailable(store_error_);
    std::vector<DumpManifest> runs;
    std::vector<UnreadableRun> unreadable;
    if (std::string error = load(&runs, &unreadable); !error.empty())
      return Error{ErrorCode::kCommandFailed, "cannot list the dumps: " + error};
    nlohmann::json list = nlohmann::json::array();
    for (const DumpManifest& m : runs) list.push_back(summaryJson(m));
    nlohmann::json bad = nlohmann::json::array();
    for (const UnreadableRun& r : unreadable) bad.push_back({{"id", r.id}, {"error", r.error}});
    std::lock_guard lock(mutex_);
    return nlohmann::json{
        {"dumps", std::move(list)},
        {"unreadable", std::move(bad)},
        {"store", store_->describe()},
        {"schedule", schedule_.status()},
        {"retention",
         {{"runs", p_.settings.dump_retention}, {"days", p_.settings.dump_retention_days}}},
        {"selected", p_.settings.dump_databases}};
  }

  Outcome<nlohmann::json> dump(const std::string& id) override {
    auto m = manifest(id);
    if (const auto* e = std::get_if<Error>(&m)) return *e;
    return toJson(std::get<DumpManifest>(m));
  }

  Outcome<DumpDownload> download(const std::string& id, const std::string& database) override {
    auto m = manifest(id);
    if (const auto* e = std::get_if<Error>(&m)) return *e;
    const DumpDatabase* db = std::get<DumpManifest>(m).database(database);
    if (db == nullptr)
      return Error{ErrorCode::kNotFound, "dump " + id + " holds no database \"" + database + "\""};
    return reader(db->file, fileStem(database) + "-" + id + ".dump");
  }

  Outcome<DumpDownload> downloadGlobals(const std::string& id) override {
    auto m = manifest(id);
    if (const auto* e = std::get_if<Error>(&m)) return *e;
    const auto& globals = std::get<DumpManifest>(m).globals;
    if (!globals) return Error{ErrorCode::kNotFound, "dump " + id + " holds no globals"};
    return reader(*globals, "globals-" + id + ".sql");
  }

  Outcome<Job> startRestore(const DumpRestoreAsk& ask) override {
    auto m = manifest(ask.id);
    if (const auto* e = std::get_if<Error>(&m)) return *e;
    const DumpManifest& run = std::get<DumpManifest>(m);
    if (run.database(ask.database) == nullptr)
      return Error{ErrorCode::kNotFound,
                   "dump " + ask.id + " holds no database \"" + ask.database + "\""};
    DumpRestoreRequest request{
        ask.id, ask.database,
        ask.into.empty() ? defaultRestoreName(ask.database, ask.id) : ask.into, ask.globals,
        JobTrigger::kApi};
    if (request.into.size() > 63)
      return Error{ErrorCode::kBadRequest, "into: a database name has at most 63 bytes"};
    if (request.into == ask.database && ask.confirm != ask.database)
      return Error{ErrorCode::kConfirmRequired, "restoring over \"" + ask.database +
                                                    "\" replaces it (its sessions end): set "
                                                    "\"confirm\" to \"" +
                                                    ask.database +
                                                    "\", or leave \"into\" out to restore "
                                                    "into a new database"};
    std::string error;
    const std::vector<ServerDatabase> dbs = dumpableDatabases(p_.settings, &error);
    if (!error.empty())
      return Error{ErrorCode::kPostgresDown, "cannot list the databases: " + error};
    if (request.into != ask.database &&
        std::any_of(dbs.begin(), dbs.end(), [&](const auto& d) { return d.name == request.into; }))
      return Error{ErrorCode::kConflict,
                   "a database \"" + request.into + "\" exists already; choose another \"into\""};
    if (p_.run.restore_running)
      return Error{ErrorCode::kConflict, "a restore is running; try when it has finished"};
    nlohmann::json params = {{"dump_id", request.id},
                             {"database", request.database},
                             {"into", request.into},
                             {"globals", request.globals}};
    return submitJob(p_.jobs, p_.run, JobKind::kDumpRestore, JobTrigger::kApi, params,
                     [this, request, run](JobContext& ctx) {
                       DumpJobParts parts{p_.settings, p_.clock, p_.children, *store_, encrypted_};
                       return runDumpRestore(ctx, parts, run, request);
                     });
  }

  Outcome<nlohmann::json> removeDump(const std::string& id, const std::string& confirm) override {
    auto m = manifest(id);
    // A run that cannot be read (wrong passphrase, damage: kConflict) may be removed all the same.
    if (const auto* e = std::get_if<Error>(&m); e && e->code != ErrorCode::kConflict) return *e;
    if (confirm != id)
      return Error{ErrorCode::kConfirmRequired,
                   "removing dump " + id + " cannot be undone: set \"confirm\" to \"" + id + "\""};
    if (auto running = p_.jobs.running();
        running && (running->kind == JobKind::kDump || running->kind == JobKind::kDumpRestore))
      return repositoryBusy(*running, "dump " + id + " was not removed");
    std::lock_guard load_lock(load_mutex_);
    const std::string error = DumpCatalog(*store_).remove(id);
    invalidate();
    if (!error.empty())
      return Error{ErrorCode::kCommandFailed, "cannot remove dump " + id + ": " + error};
    spdlog::info("dump {} removed on request", id);
    return nlohmann::json{{"removed", id}};
  }

 private:
  static std::string fileStem(const std::string& name) {
    std::string out;
    for (unsigned char c : name)
      out +=
          (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') ? static_cast<char>(c) : '_';
    return out;
  }

  Outcome<DumpDownload> reader(const DumpFile& file, std::string filename) {
    ObjectStore* store = store_.get();
    const std::string key = file.key;
    return DumpDownload{std::move(filename), file.size,
                        [store, key](const ChunkSink& sink) { return store->read(key, sink); }};
  }

  Outcome<DumpManifest> manifest(const std::string& id) {
    if (!store_) return unavailable(store_error_);
    if (!validDumpRunId(id))
      return Error{ErrorCode::kNotFound,
                   "no dump " + id + "; ids look like 20261206-023000-123 (GET /api/v1/dumps)"};
    std::vector<DumpManifest> runs;
    std::vector<UnreadableRun> unreadable;
    if (std::string error = load(&runs, &unreadable); !error.empty())
      return Error{ErrorCode::kCommandFailed, "cannot list the dumps: " + error};
    for (DumpManifest& m : runs)
      if (m.id == id) return std::move(m);
    for (const UnreadableRun& r : unreadable)
      if (r.id == id)
        return Error{ErrorCode::kConflict, "dump " + id + " cannot be read: " + r.error};
    return Error{ErrorCode::kNotFound, "no dump " + id + "; list them with GET /api/v1/dumps"};
  }

  // The runs, from the cache or read from the store. The store is read under load_mutex_ only,
  // never under mutex_, so a slow store never holds up the status or the metrics.
  std::string load(std::vector<DumpManifest>* out,
                   std::vector<UnreadableRun>* unreadable = nullptr) {
    std::lock_guard load_lock(load_mutex_);
    {
      std::lock_guard lock(mutex_);
      if (loaded_) {
        *out = runs_;
        if (unreadable) *unreadable = unreadable_;
        return {};
      }
    }
    std::vector<DumpManifest> runs;
    std::vector<UnreadableRun> bad;
    if (std::string error = DumpCatalog(*store_).list(&runs, &bad); !error.empty()) return error;
    for (const UnreadableRun& r : bad)
      spdlog::warn("dumps: cannot read dump {}: {}", r.id, r.error);
    std::lock_guard lock(mutex_);
    runs_ = runs;
    unreadable_ = bad;
    loaded_ = true;
    *out = std::move(runs);
    if (unreadable) *unreadable = std::move(bad);
    return {};
  }

  void invalidate() {
    std::lock_guard lock(mutex_);
    loaded_ = false;
  }

  // After a successful run, on the job's thread.
  void expire(JobContext& ctx) {
    invalidate();
    std::vector<DumpManifest> runs;
    if (!load(&runs).empty()) return;
    {
      std::lock_guard load_lock(load_mutex_);
      DumpCatalog catalog(*store_);
      const DumpRetention retention{p_.settings.dump_retention, p_.settings.dump_retention_days};
      for (const std::string& id : expiredRuns(runs, retention, p_.clock.wall())) {
        const std::string error = catalog.remove(id);
        ctx.log().appendLine(error.empty() ? "retention: removed dump " + id
                                           : "retention: cannot remove dump " + id + ": " + error);
      }
      invalidate();
    }
    load(&runs);  // fresh for the list and the metrics
  }

  void saveSchedule() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    writeFileAtomically(dir_ / "schedule.json", dumpJson(schedule_.saveState(), 1),
                        fs::perms::owner_read | fs::perms::owner_write);
  }

  CoreParts p_;
  fs::path dir_;
  SystemTimeZone tz_;
  std::unique_ptr<ObjectStore> store_;
  std::string store_error_;
  bool encrypted_ = false;
  std::mutex load_mutex_;  // one reader of the store's run list at a time
  std::mutex mutex_;       // the fields below
  CronSchedule schedule_;
  bool loaded_ = false;
  std::vector<DumpManifest> runs_;  // newest first, when loaded_
  std::vector<UnreadableRun> unreadable_;
  uint64_t failures_ = 0;
  std::optional<Job> last_dump_;
  std::optional<Job> last_restore_;
  std::jthread loader_;  // last: joined before the rest is destroyed
};

}  // namespace

std::unique_ptr<Capability> makeDumpCapability(const CoreParts& parts) {
  return std::make_unique<DumpCapability>(parts);
}

}  // namespace pgbr
