#include "supervisor/restore/restore_points.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "supervisor/common/file_write.h"
#include "supervisor/common/json_text.h"
#include "supervisor/common/time_format.h"
#include "supervisor/postgres/status.h"
#include "supervisor/restore/validation.h"

namespace pgbr {
namespace fs = std::filesystem;

namespace {

using nlohmann::json;

bool allowedInName(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._-:@+").find(c) != std::string_view::npos;
}

// The character as a message can show it: printable ASCII in quotes, anything else as its byte.
std::string shown(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7f) return std::string("\"") + c + "\"";
  if (byte == ' ') return "a space";
  char hex[16];
  std::snprintf(hex, sizeof hex, "byte 0x%02x", byte);
  return hex;
}

std::string describe(const RestorePoint& point) {
  return "at " + formatRfc3339(point.created_at) + " (lsn " + point.lsn + ", timeline " +
         std::to_string(point.timeline) + ")";
}

}  // namespace

json toJson(const RestorePoint& point) {
  return {{"name", point.name},         {"created_at", formatRfc3339Millis(point.created_at)},
          {"lsn", point.lsn},           {"timeline", point.timeline},
          {"wal_file", point.wal_file}, {"archived", point.archived}};
}

std::optional<RestorePoint> restorePointFromJson(const json& value, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<RestorePoint> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (!value.is_object()) return fail("a restore point is not an object");
  RestorePoint point;
  for (const char* field : {"name", "created_at", "lsn", "wal_file"}) {
    if (!value.contains(field) || !value[field].is_string())
      return fail(std::string("field \"") + field + "\" is missing or not a string");
  }
  point.name = value["name"].get<std::string>();
  point.lsn = value["lsn"].get<std::string>();
  point.wal_file = value["wal_file"].get<std::string>();
  auto created = parseRfc3339(value["created_at"].get<std::string>());
  if (!created) return fail("field \"created_at\" of " + point.name + " is not an RFC 3339 time");
  point.created_at = *created;
  if (!value.contains("timeline") || !value["timeline"].is_number_unsigned())
    return fail("field \"timeline\" of " + point.name + " is missing or not a number");
  point.timeline = value["timeline"].get<uint32_t>();
  point.archived = value.value("archived", false);
  return point;
}

std::optional<std::string> restorePointNameProblem(std::string_view name) {
  const std::string rule =
      "a restore point name is 1 to 63 letters, digits and . _ - : @ +, starting with a letter or "
      "a digit, for example deploy-2026-05-01 or release-1.4.2";
  if (name.empty()) return "name is empty; " + rule;
  if (name.size() > kMaxRestorePointName)
    return "name is " + std::to_string(name.size()) + " bytes long; " + rule;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!allowedInName(name[i]))
      return "name holds " + shown(name[i]) + " at position " + std::to_string(i + 1) + "; " + rule;
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front())))
    return "name starts with " + shown(name.front()) + "; " + rule;
  return std::nullopt;
}

std::vector<RestorePoint> loadRestorePoints(const fs::path& file, std::string* warning) {
  std::vector<RestorePoint> points;
  std::error_code ec;
  if (!fs::exists(file, ec)) return points;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str(), nullptr, false);
  auto warn = [&](const std::string& why) {
    if (warning)
      *warning = file.string() + ": " + why + "; the recorded restore points are ignored";
    return std::vector<RestorePoint>{};
  };
  if (!in && !in.eof()) return warn("cannot read it");
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("restore_points") ||
      !doc["restore_points"].is_array())
    return warn("not a {\"restore_points\": [...]} document");
  for (const json& item : doc["restore_points"]) {
    std::string error;
    auto point = restorePointFromJson(item, &error);
    if (!point) return warn(error);
    points.push_back(std::move(*point));
  }
  return points;
}

std::string saveRestorePoints(const fs::path& file, const std::vector<RestorePoint>& points) {
  json list = json::array();
  for (const RestorePoint& point : points) list.push_back(toJson(point));
  return writeFileAtomically(file, dumpJson(json{{"restore_points", list}}, 1) + "\n",
                             fs::perms::owner_read | fs::perms::owner_write);
}

std::vector<TimelineSwitch> parseTimelineHistory(std::string_view text) {
  std::vector<TimelineSwitch> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string timeline, lsn;
    if (!(fields >> timeline >> lsn) || timeline.empty() ||
        !std::all_of(timeline.begin(), timeline.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const std::optional<uint64_t> at = parseLsn(lsn);
    if (!at || timeline.size() > 10) continue;
    const unsigned long long id = std::stoull(timeline);
    if (id == 0 || id > UINT32_MAX) continue;
    out.push_back({static_cast<uint32_t>(id), *at});
  }
  return out;
}

namespace {

bool onCurrentHistory(const RestorePoint& point, const RestoreWindow& window) {
  if (window.timeline == 0 || point.timeline == window.timeline) return true;
  const std::optional<uint64_t> lsn = parseLsn(point.lsn);
  for (const TimelineSwitch& ancestor : window.history) {
    // The point's record ends at `lsn`; recovery replays it when it ends by the switch.
    if (ancestor.timeline == point.timeline) return lsn && *lsn <= ancestor.switchpoint;
  }
  return false;
}

}  // namespace

bool insideWindow(const RestorePoint& point, const RestoreWindow& window) {
  return window.from && point.created_at >= *window.from && onCurrentHistory(point, window);
}

bool expired(const RestorePoint& point, const RestoreWindow& window) {
  return window.oldest_backup_start && point.created_at < *window.oldest_backup_start;
}

// ---------------------------------------------------------------------------------- the store

RestorePoints::RestorePoints(Options options, const Clock& clock, RestorePointDatabase& db,
                             std::function<RestoreWindow()> window)
    : options_(std::move(options)), clock_(clock), db_(db), window_(std::move(window)) {}

std::string RestorePoints::load() {
  std::string warning;
  auto points = loadRestorePoints(options_.file, &warning);
  std::lock_guard lock(mutex_);
  points_ = std::move(points);
  return warning;
}

void RestorePoints::saveLocked() {
  if (auto err = saveRestorePoints(options_.file, points_); !err.empty())
    spdlog::error("cannot record the restore points: {}", err);
}

void RestorePoints::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

void RestorePoints::pause(Millis interval) {
  if (options_.pause) {
    options_.pause(interval);
    return;
  }
  std::unique_lock lock(mutex_);
  stop_cv_.wait_for(lock, interval, [this] { return stopping_; });
}

void RestorePoints::markArchived(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (RestorePoint& point : points_) {
    if (point.name == name) point.archived = true;
  }
  saveLocked();
}

Outcome<RestorePoint> RestorePoints::create(const std::string& name) {
  if (auto problem = restorePointNameProblem(name))
    return Error{ErrorCode::kBadRequest, std::move(*problem)};

  RestorePoint point;
  {
    std::lock_guard creating(create_mutex_);
    const RestoreWindow window = window_();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
      // Points no restore can reach any more leave the record, and their names are free again.
      std::erase_if(points_, [&](const RestorePoint& p) { return expired(p, window); });
      for (const RestorePoint& existing : points_) {
        if (existing.name == name)
          return Error{ErrorCode::kRestorePointExists,
                       "a restore point named \"" + name + "\" was already created " +
                           describe(existing) +
                           "; recovery would stop at the first of two, so choose another name"};
      }
    }
    auto created = db_.create(name);
    if (auto* error = std::get_if<Error>(&created)) return *error;
    const auto& made = std::get<RestorePointDatabase::Created>(created);
    point.name = name;
    point.created_at = made.at == WallTime{} ? clock_.wall() : made.at;
    point.lsn = made.lsn;
    point.wal_file = made.wal_file;
    point.timeline = walTimeline(made.wal_file);
    std::lock_guard lock(mutex_);
    points_.push_back(point);
    saveLocked();
  }
  spdlog::info("restore point \"{}\" created {} in {}; waiting for it to reach the repository",
               name, describe(point), point.wal_file);

  const MonoTime started = clock_.monotonic();
  const MonoTime deadline = started + options_.archive_timeout;
  MonoTime next_progress = started + options_.progress_every;
  RestorePointDatabase::ArchiveState last;
  std::string last_error;
  for (;;) {
    auto state = db_.archiveState(point.wal_file);
    if (auto* error = std::get_if<Error>(&state)) {
      last_error = error->message;
    } else {
      last = std::get<RestorePointDatabase::ArchiveState>(state);
      last_error.clear();
      if (last.archived) break;
    }
    const MonoTime now = clock_.monotonic();
    const auto waited = std::chrono::duration_cast<Seconds>(now - started).count();
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (now >= deadline || stopping) {
      std::string why =
          last_error.empty()
              ? "the last archived segment is " +
                    (last.last_archived_wal.empty() ? std::string("none") : last.last_archived_wal)
              : "archiving could not be checked: " + last_error;
      if (last_error.empty() && !last.last_failed_wal.empty())
        why += ", the last failure was " + last.last_failed_wal +
               (last.last_failed_at ? " at " + formatRfc3339(*last.last_failed_at) : "");
      return Error{ErrorCode::kArchiveTimeout,
                   "restore point \"" + name + "\" was created " + describe(point) +
                       ", but WAL segment " + point.wal_file + " did not reach the repository " +
                       (stopping ? "before the supervisor stopped"
                                 : "within " + std::to_string(waited) + " s") +
                       " (" + why +
                       "); it is recorded and a restore can use it once archiving catches up: "
                       "see the archive section of GET /api/v1/status"};
    }
    if (now >= next_progress) {
      spdlog::info(
          "restore point \"{}\": still waiting for {} to be archived ({} s; last "
          "archived {}{})",
          name, point.wal_file, waited,
          last.last_archived_wal.empty() ? "none" : last.last_archived_wal,
          last_error.empty() ? "" : "; " + last_error);
      next_progress = now + options_.progress_every;
    }
    pause(options_.poll_interval);
  }
  point.archived = true;
  markArchived(name);
  spdlog::info("restore point \"{}\" is in the repository ({} archived)", name, point.wal_file);
  return point;
}

void RestorePoints::noteArchivedUpTo(const std::string& last_archived_wal) {
  // Segment names of one timeline sort like their positions, and a later timeline's names sort
  // after an earlier one's; ".history" and ".partial" names are not segments.
  if (last_archived_wal.size() != 24) return;
  std::lock_guard lock(mutex_);
  bool changed = false;
  for (RestorePoint& point : points_) {
    if (!point.archived && point.wal_file.size() == 24 && point.wal_file <= last_archived_wal) {
      point.archived = true;
      changed = true;
    }
  }
  if (changed) saveLocked();
}

std::vector<RestorePoint> RestorePoints::list() const {
  const RestoreWindow window = window_();
  std::lock_guard lock(mutex_);
  std::vector<RestorePoint> out;
  for (const RestorePoint& point : points_) {
    if (insideWindow(point, window)) out.push_back(point);
  }
  std::stable_sort(out.begin(), out.end(), [](const RestorePoint& a, const RestorePoint& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

std::optional<RestorePoint> RestorePoints::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const RestorePoint& point : points_) {
    if (point.name == name) return point;
  }
  return std::nullopt;
}

}  // namespace pgbr
