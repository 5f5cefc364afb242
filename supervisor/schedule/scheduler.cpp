#include "supervisor/schedule/scheduler.h"

#include <cassert>
#include <utility>

#include "supervisor/common/time_format.h"

namespace pgbr {
namespace {

constexpr int kStateVersion = 1;

nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

// Reading the saved state: anything missing or of the wrong shape reads as absent.
const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> stringMember(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get_ref<const std::string&>();
}

std::optional<WallTime> timeMember(const nlohmann::json& object, const char* key) {
  std::optional<std::string> text = stringMember(object, key);
  return text ? parseRfc3339(*text) : std::nullopt;
}

void putTime(nlohmann::json& object, const char* key, const std::optional<WallTime>& t) {
  if (t) object[key] = formatRfc3339Millis(*t);
}

std::optional<WallTime> later(std::optional<WallTime> a, std::optional<WallTime> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

std::string_view toString(ScheduleResult result) {
  switch (result) {
    case ScheduleResult::kNone:
      return "none";
    case ScheduleResult::kSucceeded:
      return "succeeded";
    case ScheduleResult::kFailed:
      return "failed";
  }
  return "none";
}

nlohmann::json toJson(const ScheduleStatus& s) {
  return {
      {"type", toString(s.type)},
      {"expression", s.expression},
      {"enabled", s.enabled},
      {"next_run", timeOrNull(s.next_run)},
      {"last_run", timeOrNull(s.last_run)},
      // null when nothing ran yet, as the API contract has it ("none" is only the saved form).
      {"last_result", s.last_result == ScheduleResult::kNone
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(toString(s.last_result))},
      {"last_success", timeOrNull(s.last_success)},
      {"last_job_id",
       s.last_job_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_job_id)},
      {"pending", s.pending},
      {"overdue", s.overdue},
  };
}

nlohmann::json toJson(const std::vector<ScheduleStatus>& statuses) {
  nlohmann::json out = nlohmann::json::array();
  for (const ScheduleStatus& s : statuses) out.push_back(toJson(s));
  return out;
}

Scheduler::Scheduler(std::optional<CronExpr> full, std::optional<CronExpr> diff,
                     std::optional<CronExpr> incr, const TimeZone& tz)
    : tz_(tz) {
  entry(BackupType::kFull).expr = std::move(full);
  entry(BackupType::kDiff).expr = std::move(diff);
  entry(BackupType::kIncr).expr = std::move(incr);
}

void Scheduler::start(WallTime now) {
  started_ = true;
  if (!first_started_) first_started_ = now;
  for (BackupType type : kBackupTypes) {
    Entry& e = entry(type);
    if (!e.expr || e.saved_expression != e.expr->text()) {
      // Disabled, never saved, or saved under another expression: nothing to catch up.
      e.pending_slot.reset();
    } else if (e.handled_through) {
      std::optional<WallTime> missed = e.expr->next(*e.handled_through, tz_);
      if (missed && *missed <= now) e.pending_slot = later(e.pending_slot, missed);
    }
    std::optional<WallTime> success = coveringSuccess(type);
    if (e.pending_slot && success && *success >= *e.pending_slot) e.pending_slot.reset();
    if (e.expr) {
      e.handled_through = now;
      e.next_slot = e.expr->next(now, tz_);
    }
  }
}

std::optional<BackupType> Scheduler::tick(WallTime now, bool repository_busy) {
  if (!started_) start(now);
  for (Entry& e : entries_) {
    if (!e.expr || !e.next_slot || *e.next_slot > now) continue;
    // Every slot up to now collapses into one pending run; recording the newest slot keeps a
    // success that finished before it from cancelling it (rule 3).
    e.pending_slot = *e.next_slot;
    e.handled_through = now;
    e.next_slot = e.expr->next(now, tz_);
  }
  if (repository_busy) return std::nullopt;
  for (BackupType type : kBackupTypes) {  // largest first
    if (!entry(type).pending_slot) continue;
    for (BackupType other : kBackupTypes) {
      if (covers(type, other)) entry(other).pending_slot.reset();
    }
    return type;
  }
  return std::nullopt;
}

void Scheduler::recordResult(BackupType type, WallTime finished, bool success, std::string job_id) {
  Entry& e = entry(type);
  e.last_run = finished;
  e.last_result = success ? ScheduleResult::kSucceeded : ScheduleResult::kFailed;
  e.last_job_id = std::move(job_id);
  if (!success) return;
  e.last_success = finished;
  for (BackupType other : kBackupTypes) {
    Entry& o = entry(other);
    if (covers(type, other) && o.pending_slot && *o.pending_slot <= finished)
      o.pending_slot.reset();
  }
}

std::optional<WallTime> Scheduler::coveringSuccess(BackupType type) const {
  std::optional<WallTime> latest;
  for (BackupType other : kBackupTypes) {
    if (covers(other, type)) latest = later(latest, entry(other).last_success);
  }
  return latest;
}

bool Scheduler::overdue(BackupType type, WallTime now) const {
  const Entry& e = entry(type);
  std::optional<WallTime> from = coveringSuccess(type);
  if (!from) from = first_started_;
  if (!e.expr || !from) return false;
  const std::optional<WallTime> first = e.expr->next(*from, tz_);
  if (!first || *first > now) return false;
  const std::optional<WallTime> second = e.expr->next(*first, tz_);
  return second && *second <= now;
}

ScheduleStatus Scheduler::status(BackupType type, WallTime now) const {
  const Entry& e = entry(type);
  ScheduleStatus s;
  s.type = type;
  s.enabled = e.expr.has_value();
  if (e.expr) {
    s.expression = e.expr->text();
    s.next_run = started_ ? e.next_slot : e.expr->next(now, tz_);
  }
  s.last_run = e.last_run;
  s.last_result = e.last_result;
  s.last_success = e.last_success;
  s.last_job_id = e.last_job_id;
  s.pending = e.pending_slot.has_value();
  s.overdue = overdue(type, now);
  return s;
}

std::vector<ScheduleStatus> Scheduler::status(WallTime now) const {
  std::vector<ScheduleStatus> all;
  for (BackupType type : kBackupTypes) all.push_back(status(type, now));
  return all;
}

nlohmann::json Scheduler::saveState() const {
  nlohmann::json doc = {{"version", kStateVersion}};
  putTime(doc, "first_started", first_started_);
  for (BackupType type : kBackupTypes) {
    const Entry& e = entry(type);
    nlohmann::json t = nlohmann::json::object();
    if (e.expr) t["expression"] = e.expr->text();
    putTime(t, "handled_through", e.handled_through);
    putTime(t, "pending_slot", e.pending_slot);
    putTime(t, "last_run", e.last_run);
    t["last_result"] = toString(e.last_result);
    putTime(t, "last_success", e.last_success);
    if (!e.last_job_id.empty()) t["last_job_id"] = e.last_job_id;
    doc[std::string(toString(type))] = std::move(t);
  }
  return doc;
}

void Scheduler::loadState(const nlohmann::json& doc) {
  assert(!started_ && "loadState() belongs before the first tick()");
  const nlohmann::json* version = member(doc, "version");
  if (version == nullptr || !version->is_number_integer() || *version != kStateVersion) return;
  first_started_ = timeMember(doc, "first_started");
  for (BackupType type : kBackupTypes) {
    const nlohmann::json* t = member(doc, std::string(toString(type)).c_str());
    if (t == nullptr) continue;
    Entry& e = entry(type);
    e.saved_expression = stringMember(*t, "expression");
    e.handled_through = timeMember(*t, "handled_through");
    e.pending_slot = timeMember(*t, "pending_slot");
    e.last_run = timeMember(*t, "last_run");
    const std::optional<std::string> result = stringMember(*t, "last_result");
    if (result == toString(ScheduleResult::kSucceeded)) e.last_result = ScheduleResult::kSucceeded;
    if (result == toString(ScheduleResult::kFailed)) e.last_result = ScheduleResult::kFailed;
    e.last_success = timeMember(*t, "last_success");
    e.last_job_id = stringMember(*t, "last_job_id").value_or("");
  }
}

}  // namespace pgbr
