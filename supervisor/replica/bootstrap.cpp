// RepositoryBootstrap (bootstrap.h).
#include "supervisor/replica/bootstrap.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "supervisor/backrest/command.h"
#include "supervisor/backrest/progress.h"
#include "supervisor/config/replica_settings.h"
#include "supervisor/postgres/initdb.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/pg_connection.h"
#include "supervisor/replica/standby_conf.h"

namespace pgbr {
namespace fs = std::filesystem;

namespace {

// pgBackRest's own reason: the error that ended it, else how it ended.
std::string reasonOf(const RunResult& ran, const backrest::OutputScanner& scanner) {
  if (!ran.started) return "pgbackrest could not start: " + ran.spawn_error;
  if (ran.cancelled) return "cancelled";
  if (scanner.error()) return scanner.error()->oneLine();
  return ran.status.describe() + (ran.last_lines.empty() ? "" : ": " + ran.last_lines.back());
}

// pgBackRest's codes for "nothing to restore from": no backup set (075), no backup.info (055:
// an unknown stanza or an empty repository).
bool nothingToRestore(const backrest::OutputScanner& scanner) {
  const int code = scanner.error() ? scanner.error()->code : scanner.abortCode().value_or(0);
  return code == 75 || code == 55;
}

}  // namespace

RepositoryBootstrap::RepositoryBootstrap(const Settings& settings, Children& children,
                                         const BackrestRunner& backrest, LogSink& log)
    : settings_(settings), children_(children), backrest_(backrest), log_(log) {}

void RepositoryBootstrap::note(const std::string& line) {
  spdlog::info("{}", line);
}

bool RepositoryBootstrap::walWaitsForArchive() const {
  std::error_code ec;
  for (const auto& entry :
       fs::directory_iterator(fs::path(settings_.pgdata) / "pg_wal" / "archive_status", ec))
    if (entry.path().extension() == ".ready") return true;
  return false;
}

fs::path RepositoryBootstrap::marker() const {
  return fs::path(settings_.state_dir) / "bootstrap-incomplete";
}

bool RepositoryBootstrap::standby() const {
  return isStandby(settings_);
}

std::string RepositoryBootstrap::setting() const {
  return standby() ? "PGBR_STANDBY_PRIMARY" : "PGBR_BOOTSTRAP=restore";
}

bool RepositoryBootstrap::holdsStartup() {
  std::error_code ec;
  return standby() && fs::exists(fs::path(settings_.pgdata) / "standby.signal", ec);
}

bool RepositoryBootstrap::takesOver() {
  std::error_code ec;
  return fs::exists(marker(), ec) || !dataDirectoryInitialized(settings_.pgdata);
}

std::string RepositoryBootstrap::emptyDataDirectory() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(settings_.pgdata, ec)) {
    fs::remove_all(entry.path(), ec);
    if (ec) return "cannot remove " + entry.path().string() + ": " + ec.message();
  }
  return ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "";
}

std::string RepositoryBootstrap::fill(const std::atomic<bool>& cancel) {
  // A standby usually starts beside a new primary, whose first backup takes a while: it waits
  // for one instead of stopping.
  for (;;) {
    bool nothing = false;
    std::string error = restoreOnce(cancel, &nothing);
    if (!nothing || !standby()) return error;
    spdlog::warn("{}; retrying in 30 s", error);
    for (int i = 0; i < 300 && !cancel.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (cancel.load()) return "cancelled";
  }
}

std::string RepositoryBootstrap::restoreOnce(const std::atomic<bool>& cancel, bool* nothing) {
  const std::string& source = bootstrapSourceStanza(settings_);
  const fs::path pgdata = settings_.pgdata;
  std::error_code ec;
  if (fs::exists(marker(), ec)) {
    note("an earlier bootstrap of " + pgdata.string() +
         " did not finish: emptying it and restoring again");
    if (std::string error = emptyDataDirectory(); !error.empty()) return setting() + ": " + error;
  } else if (fs::exists(pgdata, ec) && !fs::is_empty(pgdata, ec)) {
    return setting() + ": " + pgdata.string() +
           " is not empty but holds no database (no PG_VERSION); a bootstrap only fills an empty "
           "directory: move its files away";
  }
  if (std::string owner = dataDirectoryOwnerProblem(pgdata); !owner.empty())
    return setting() + ": " + owner;
  fs::create_directories(pgdata, ec);
  fs::permissions(pgdata, fs::perms::owner_all, fs::perm_options::replace, ec);
  {
    std::ofstream out(marker());
    out << pgdata.string() << '\n';
    if (!out.flush()) return setting() + ": cannot write " + marker().string();
  }

  backrest::CommandContext ctx = backrest_.context();
  ctx.stanza = source;
  ctx.extra.push_back("--pg1-path=" + pgdata.string());
  std::string error;
  std::optional<backrest::Argv> argv =
      backrest::restoreCommand(ctx, bootstrapRestoreOptions(settings_.bootstrap), &error);
  if (!argv) return setting() + ": " + error;
  // A standby: recovery follows the archive and then the primary, and never ends by itself.
  if (standby()) argv->insert(argv->end() - 1, "--type=standby");
  // The directory is empty: nothing to compare, and pgBackRest would only warn about --delta.
  argv->erase(std::remove(argv->begin(), argv->end(), "--delta"), argv->end());
  // Its progress at info level: a line per file (detail) is for the restore job's own log.
  std::replace(argv->begin(), argv->end(), std::string("--log-level-console=detail"),
               std::string("--log-level-console=info"));
  note("bootstrap: restoring " + pgdata.string() + " from stanza " + source +
       " of the repository (" +
       (standby()
            ? "the newest backup, as a standby of " + primaryAddress(settings_)
            : settings_.bootstrap.type +
                  (settings_.bootstrap.target.empty() ? "" : " " + settings_.bootstrap.target)) +
       ")");
  backrest::OutputScanner scanner;
  RunOptions options;
  options.cancel = &cancel;
  options.keep_lines = 50;
  options.on_line = [&](std::string_view line) { scanner.feed(line); };
  const RunResult ran = runCommand(children_, backrest_.spec(*argv), &log_, options);
  if (!ran.success()) {
    const std::string reason = reasonOf(ran, scanner);
    if (std::string emptied = emptyDataDirectory(); emptied.empty()) fs::remove(marker(), ec);
    *nothing = nothingToRestore(scanner);
    if (*nothing && standby())
      return setting() + ": the repository holds no backup of stanza " + source +
             " to make a standby from yet (" + reason +
             "); the primary takes its first backup when it starts";
    if (*nothing)
      return setting() + ": the repository holds no backup of stanza " + source + " to restore (" +
             reason + "); take a backup there first, or set PGBR_BOOTSTRAP=initdb";
    return setting() + ": restoring stanza " + source + " failed: " + reason;
  }
  fs::remove(marker(), ec);
  if (standby()) {
    note("bootstrap: restored; postgres now recovers from the archive and then streams from " +
         primaryAddress(settings_));
    return "";
  }
  note("bootstrap: restored; postgres now recovers from the archive of stanza " + source +
       " and then promotes" +
       (source == settings_.stanza
            ? ""
            : " (a clone: it archives into stanza " + settings_.stanza + " only)"));
  return "";
}

std::string RepositoryBootstrap::waitWritable(const std::atomic<bool>& cancel) {
  if (holdsStartup()) return waitForPromotion(cancel);
  using Steady = std::chrono::steady_clock;
  const auto started = Steady::now();
  auto next_note = started + std::chrono::seconds(15);
  std::string last;
  while (!cancel.load()) {
    ConnectResult conn = connectPg(supervisorConnParams(settings_));
    if (conn.ok()) {
      QueryValue in_recovery = queryValue(conn.conn.get(), "SELECT pg_is_in_recovery()");
      if (in_recovery.ok() && in_recovery.value == std::optional<std::string>("f")) {
        note("bootstrap: recovery ended; postgres is writable");
        waitForArchive(cancel);
        return "";
      }
      last = in_recovery.ok() ? "replayed up to " +
                                    queryValue(conn.conn.get(), "SELECT pg_last_wal_replay_lsn()")
                                        .value.value_or("?")
                              : in_recovery.error;
    } else {
      last = conn.error;
    }
    if (Steady::now() >= next_note) {
      const auto waited =
          std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - started).count();
      note("bootstrap: recovering for " + std::to_string(waited) + " s: " + last);
      next_note = Steady::now() + std::chrono::seconds(15);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return "cancelled";
}

void RepositoryBootstrap::waitForArchive(const std::atomic<bool>& cancel) {
  // A clone's stanza does not exist before the start-up's stanza-create: nothing to wait for.
  if (bootstrapSourceStanza(settings_) != settings_.stanza) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (walWaitsForArchive() && !cancel.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

std::string RepositoryBootstrap::waitForPromotion(const std::atomic<bool>& cancel) {
  note("standby of " + primaryAddress(settings_) + " (stanza " + settings_.stanza +
       "): no backups, checks or scheduled jobs run here until it is promoted "
       "(POST /api/v1/promote or pgbr-supervisor promote)");
  while (!cancel.load()) {
    // standby.signal is removed when recovery ends, however the promotion was asked for.
    if (!holdsStartup()) {
      ConnectResult conn = connectPg(supervisorConnParams(settings_));
      QueryValue in_recovery =
          conn.ok() ? queryValue(conn.conn.get(), "SELECT pg_is_in_recovery()") : QueryValue{};
      if (in_recovery.ok() && in_recovery.value == std::optional<std::string>("f")) {
        note("promoted: this server is now a primary; archiving goes on into stanza " +
             settings_.stanza + " on the new timeline, whose first backup follows");
        waitForArchive(cancel);
        return "";
      }
    }
    for (int i = 0; i < 10 && !cancel.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "cancelled";
}

std::string RepositoryBootstrap::extraConf(std::string* error) {
  if (!standby()) return "";
  return standbyConf(settings_, error);
}

std::unique_ptr<DataBootstrap> makeBootstrap(const Settings& settings, Children& children,
                                             const BackrestRunner& backrest, LogSink& log) {
  if (!settings.bootstrap.restore && !isStandby(settings)) return nullptr;
  return std::make_unique<RepositoryBootstrap>(settings, children, backrest, log);
}

}  // namespace pgbr
