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
  const std::string& source = bootstrapSourceStanza(settings_);
  const fs::path pgdata = settings_.pgdata;
  std::error_code ec;
  if (fs::exists(marker(), ec)) {
    note("an earlier bootstrap of " + pgdata.string() +
         " did not finish: emptying it and restoring again");
    if (std::string error = emptyDataDirectory(); !error.empty())
      return "PGBR_BOOTSTRAP=restore: " + error;
  } else if (fs::exists(pgdata, ec) && !fs::is_empty(pgdata, ec)) {
    return "PGBR_BOOTSTRAP=restore: " + pgdata.string() +
           " is not empty but holds no database (no PG_VERSION); a bootstrap only fills an empty "
           "directory: move its files away";
  }
  fs::create_directories(pgdata, ec);
  fs::permissions(pgdata, fs::perms::owner_all, fs::perm_options::replace, ec);
  {
    std::ofstream out(marker());
    out << pgdata.string() << '\n';
    if (!out.flush()) return "PGBR_BOOTSTRAP=restore: cannot write " + marker().string();
  }

  backrest::CommandContext ctx = backrest_.context();
  ctx.stanza = source;
  ctx.extra.push_back("--pg1-path=" + pgdata.string());
  std::string error;
  std::optional<backrest::Argv> argv =
      backrest::restoreCommand(ctx, bootstrapRestoreOptions(settings_.bootstrap), &error);
  if (!argv) return "PGBR_BOOTSTRAP=restore: " + error;
  // The directory is empty: nothing to compare, and pgBackRest would only warn about --delta.
  argv->erase(std::remove(argv->begin(), argv->end(), "--delta"), argv->end());
  // Its progress at info level: a line per file (detail) is for the restore job's own log.
  std::replace(argv->begin(), argv->end(), std::string("--log-level-console=detail"),
               std::string("--log-level-console=info"));
  note("bootstrap: restoring " + pgdata.string() + " from stanza " + source +
       " of the repository (" + settings_.bootstrap.type +
       (settings_.bootstrap.target.empty() ? "" : " " + settings_.bootstrap.target) + ")");
  backrest::OutputScanner scanner;
  RunOptions options;
  options.cancel = &cancel;
  options.keep_lines = 50;
  options.on_line = [&](std::string_view line) { scanner.feed(line); };
  const RunResult ran = runCommand(children_, backrest_.spec(*argv), &log_, options);
  if (!ran.success()) {
    const std::string reason = reasonOf(ran, scanner);
    if (std::string emptied = emptyDataDirectory(); emptied.empty()) fs::remove(marker(), ec);
    if (nothingToRestore(scanner))
      return "PGBR_BOOTSTRAP=restore: the repository holds no backup of stanza " + source +
             " to restore (" + reason +
             "); take a backup there first, or set PGBR_BOOTSTRAP=initdb";
    return "PGBR_BOOTSTRAP=restore: restoring stanza " + source + " failed: " + reason;
  }
  fs::remove(marker(), ec);
  note("bootstrap: restored; postgres now recovers from the archive of stanza " + source +
       " and then promotes" +
       (source == settings_.stanza
            ? ""
            : " (a clone: it archives into stanza " + settings_.stanza + " only)"));
  return "";
}

std::string RepositoryBootstrap::waitWritable(const std::atomic<bool>& cancel) {
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

std::unique_ptr<DataBootstrap> makeBootstrap(const Settings& settings, Children& children,
                                             const BackrestRunner& backrest, LogSink& log) {
  if (!settings.bootstrap.restore) return nullptr;
  return std::make_unique<RepositoryBootstrap>(settings, children, backrest, log);
}

}  // namespace pgbr
