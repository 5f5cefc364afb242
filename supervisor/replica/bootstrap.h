// Bootstrap from the repository (PGBR_BOOTSTRAP=restore, or a standby): an empty data directory is
// restored from the repository's backup of PGBR_BOOTSTRAP_STANZA (default the own stanza) instead
// of being made by initdb, then Postgres recovers (by default to the end of the archive) and
// promotes.
//
// Policy:
// - Only an empty or missing data directory is filled; one that holds a database is never
//   touched (initdb's rule), and one holding anything else is refused with one line.
// - Nothing of the source's configuration can write into the source's stanza: the supervisor's
//   own settings file (archive_command with PGBR_STANZA) is written over the restored one before
//   Postgres first starts, so a clone archives and backs up into its own stanza only.
// - A restore cut short (a crash, a stop, pgBackRest failing) leaves a marker in the state folder
//   and a partly filled directory that must never be started: the next start empties the
//   directory and restores again, and a failure empties it at once.
// - No usable backup, an unknown stanza, a repository that cannot be read: one line naming the
//   stanza and pgBackRest's reason; the supervisor stops (exit 1) with the directory empty.
// - A standby (PGBR_STANDBY_PRIMARY) is the same restore of the own stanza's newest backup with
//   pgBackRest's --type=standby, plus primary_conninfo (standby_conf.h). With no backup yet it
//   waits and retries every 30 s: it usually starts beside a new primary whose first backup is
//   still running. Its start-up jobs wait until it is promoted, by whoever promotes it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "supervisor/backrest/runner.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"
#include "supervisor/service/data_bootstrap.h"

namespace pgbr {

class RepositoryBootstrap : public DataBootstrap {
 public:
  RepositoryBootstrap(const Settings& settings, Children& children, const BackrestRunner& backrest,
                      LogSink& log);

  bool takesOver() override;
  std::string fill(const std::atomic<bool>& cancel) override;
  std::string waitWritable(const std::atomic<bool>& cancel) override;
  bool holdsStartup() override;
  std::string extraConf(std::string* error) override;

 private:
  bool standby() const;
  // The setting the one-line errors name: PGBR_BOOTSTRAP=restore or PGBR_STANDBY_PRIMARY.
  std::string setting() const;
  // One restore; *nothing when the repository holds no backup to restore.
  std::string restoreOnce(const std::atomic<bool>& cancel, bool* nothing);
  // A standby: until its recovery ends (a promotion, by whoever asked for it).
  std::string waitForPromotion(const std::atomic<bool>& cancel);
  void note(const std::string& line);
  std::filesystem::path marker() const;
  // Removes everything in the data directory (not the directory itself); "" or why not.
  std::string emptyDataDirectory();
  // True while pg_wal/archive_status holds a segment or history file not yet archived.
  bool walWaitsForArchive() const;
  // After the promotion into the own stanza: waits (90 s at most) until the new timeline's
  // history file and first segment are archived. pgBackRest's stanza-create, the first start-up
  // job, holds the stanza's archive lock; an asynchronous archive-push that meets it gives up,
  // and the segment then waits out archive-push's whole timeout (60 s) before the next try.
  void waitForArchive(const std::atomic<bool>& cancel);

  const Settings& settings_;
  Children& children_;
  const BackrestRunner& backrest_;  // the environment and config pgBackRest runs with
  LogSink& log_;
};

// The bootstrap for `settings`: nullptr unless PGBR_BOOTSTRAP=restore.
std::unique_ptr<DataBootstrap> makeBootstrap(const Settings& settings, Children& children,
                                             const BackrestRunner& backrest, LogSink& log);

}  // namespace pgbr
