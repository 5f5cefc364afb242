// Named restore points: a deploy marker at the cost of one WAL switch instead of a backup.
// POST /api/v1/restore-points and `pgbr-supervisor restore-point NAME` create one with
// pg_create_restore_point on the live Postgres, record it (name, time, LSN, timeline, the WAL
// segment holding it) in the state folder, force a WAL switch and wait until that segment has
// reached the repository; a restore of type `name` offers the recorded points.
//
// Policy:
// - Names are 1 to 63 bytes (Postgres' limit) of letters, digits and `. _ - : @ +`, starting with
//   a letter or a digit: safe in a URL path, a shell line and postgresql.auto.conf alike.
// - A name is used once. Postgres accepts the same name twice, but recovery stops at the first
//   one it replays, so a second "before-deploy" would silently restore to the first: a duplicate
//   is refused (409 restore_point_exists) while the first is still recorded. A point leaves the
//   record once it is older than every backup in the repository (expire removed the WAL leading
//   to it), and its name can then be used again.
// - Listed are the points inside the recoverable window: created after the oldest backup a
//   point-in-time recovery can start from was consistent. Older ones stay recorded (a window
//   that shrank while an archive gap is repaired may grow back) but are not offered.
// - "Archived" is Postgres' own word: pgBackRest's archive-push (async too) reports success to
//   Postgres only once the segment is in the repository, so the segment's archive_status file
//   turning from .ready to .done (or pg_stat_archiver's last archived segment reaching it) means
//   the repository holds it. The wait is bounded; on a timeout the point stays recorded with
//   archived false (it becomes usable when archiving catches up) and the error says what the
//   archiver last reported.
// - The record is one JSON file written atomically (a crash leaves the old list or the new one)
//   and written as soon as Postgres created the point, before the wait.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/common/errors.h"

namespace pgbr {

inline constexpr size_t kMaxRestorePointName = 63;  // Postgres' MAXFNAMELEN - 1

struct RestorePoint {
  std::string name;
  WallTime created_at{};  // Postgres' clock right after the point was written
  std::string lsn;        // as pg_create_restore_point returns it: the end of its WAL record
  uint32_t timeline = 0;
  std::string wal_file;   // the segment holding the record
  bool archived = false;  // the segment reached the repository
};

nlohmann::json toJson(const RestorePoint& point);
// nullopt with *error set when a field is missing or of the wrong type.
std::optional<RestorePoint> restorePointFromJson(const nlohmann::json& value, std::string* error);

// Why `name` cannot be a restore point name (lowercase, says the rule), or nullopt when it can.
std::optional<std::string> restorePointNameProblem(std::string_view name);

// The file in the state folder: {"restore_points": [...]}. A missing file is an empty list; an
// unreadable or damaged one too, with *warning saying so (the supervisor keeps running).
std::vector<RestorePoint> loadRestorePoints(const std::filesystem::path& file,
                                            std::string* warning);
// "" or the error.
std::string saveRestorePoints(const std::filesystem::path& file,
                              const std::vector<RestorePoint>& points);

// One line of a timeline history file (pg_wal/<timeline>.history): `timeline` ended at
// `switchpoint`, where its child began.
struct TimelineSwitch {
  uint32_t timeline = 0;
  uint64_t switchpoint = 0;
};
// The switches of a history file, oldest first; lines that are not "timeline<TAB>lsn<TAB>reason"
// (comments, blank lines) are skipped.
std::vector<TimelineSwitch> parseTimelineHistory(std::string_view text);

// What the repository and the live cluster say about which points can still be reached.
struct RestoreWindow {
  std::optional<WallTime> from;                 // start of the recoverable window
  std::optional<WallTime> oldest_backup_start;  // the oldest backup in the repository
  // The timeline Postgres writes on and its history; unknown (0) while Postgres is down.
  uint32_t timeline = 0;
  std::vector<TimelineSwitch> history;
};
// Inside the window; with no known window start (no backup yet, repository not read) nothing is.
// A point of a timeline the current one did not grow from, or made on an ancestor after the
// switch away from it (a restore to an earlier moment abandoned it), is not: recovery along
// today's timeline never replays it. With the timeline unknown only the time is checked.
bool insideWindow(const RestorePoint& point, const RestoreWindow& window);
// Older than every backup in the repository: no restore can reach it any more.
bool expired(const RestorePoint& point, const RestoreWindow& window);

// The Postgres side, behind an interface so the rules are unit-tested with a fake.
class RestorePointDatabase {
 public:
  virtual ~RestorePointDatabase() = default;
  struct Created {
    std::string lsn;
    std::string wal_file;
    WallTime at{};
  };
  // pg_create_restore_point(name) followed by a WAL switch. Errors: postgres_down when Postgres
  // cannot be reached, conflict when it is in recovery, command_failed otherwise.
  virtual Outcome<Created> create(const std::string& name) = 0;

  struct ArchiveState {
    bool archived = false;
    std::string last_archived_wal;
    std::string last_failed_wal;
    std::optional<WallTime> last_failed_at;
  };
  virtual Outcome<ArchiveState> archiveState(const std::string& wal_file) = 0;
};

class RestorePoints {
 public:
  struct Options {
    std::filesystem::path file;  // <state>/restore-points.json
    Millis archive_timeout{60000};
    Millis poll_interval{200};
    Millis progress_every{5000};  // a log line while waiting, this often
    // How the wait pauses between polls; unset: wait on the clock's real time, ended early by
    // stop(). Unit tests advance a fake clock here.
    std::function<void(Millis)> pause;
  };
  RestorePoints(Options options, const Clock& clock, RestorePointDatabase& db,
                std::function<RestoreWindow()> window);

  // Reads the file; returns a warning or "".
  std::string load();
  // Creates, records and waits for the archive. Errors: bad_request for the name,
  // restore_point_exists, the database's errors, archive_timeout (the point is recorded).
  Outcome<RestorePoint> create(const std::string& name);
  // The points inside the window, oldest first.
  std::vector<RestorePoint> list() const;
  // The recorded point of that name, inside the window or not (the caller bounds a restore by
  // its LSN and timeline).
  std::optional<RestorePoint> find(const std::string& name) const;
  // Marks the points whose segment is at or before Postgres' last archived segment as archived
  // (the ones a timed-out wait left behind).
  void noteArchivedUpTo(const std::string& last_archived_wal);
  // Ends waits early (shutdown).
  void stop();

 private:
  void pause(Millis interval);
  void saveLocked();
  void markArchived(const std::string& name);

  Options options_;
  const Clock& clock_;
  RestorePointDatabase& db_;
  std::function<RestoreWindow()> window_;
  std::mutex create_mutex_;   // one creation at a time from the name check to the record
  mutable std::mutex mutex_;  // points_ and stopping_
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<RestorePoint> points_;
};

}  // namespace pgbr
