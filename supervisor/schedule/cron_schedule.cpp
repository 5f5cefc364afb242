#include "supervisor/schedule/cron_schedule.h"

#include "supervisor/common/json_time.h"

namespace pgbr {

namespace {
std::optional<WallTime> timeFrom(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return std::nullopt;
  return parseRfc3339(j[key].get<std::string>());
}
}  // namespace

CronSchedule::CronSchedule(std::optional<CronExpr> expr, const TimeZone& tz)
    : expr_(std::move(expr)), tz_(tz) {}

bool CronSchedule::tick(WallTime now, bool busy) {
  if (!expr_) return false;
  if (!started_) {
    started_ = true;
    const bool same = saved_expression_ && *saved_expression_ == expr_->text();
    if (same && handled_through_) {
      const std::optional<WallTime> missed = expr_->next(*handled_through_, tz_);
      if (missed && *missed <= now && (!last_run_ || *last_run_ < *missed)) pending_slot_ = *missed;
    }
    handled_through_ = now;
    next_slot_ = expr_->next(now, tz_);
  }
  while (next_slot_ && *next_slot_ <= now) {
    pending_slot_ = *next_slot_;  // rule 2: once, however many slots passed
    handled_through_ = *next_slot_;
    next_slot_ = expr_->next(*next_slot_, tz_);
  }
  if (!pending_slot_ || busy) return false;
  pending_slot_.reset();
  return true;
}

void CronSchedule::recordRun(WallTime finished) {
  last_run_ = finished;
  if (pending_slot_ && finished >= *pending_slot_) pending_slot_.reset();
}

nlohmann::json CronSchedule::status() const {
  return {{"expression", expr_ ? expr_->text() : std::string()},
          {"enabled", expr_.has_value()},
          {"next_run", timeOrNull(next_slot_)},
          {"last_run", timeOrNull(last_run_)},
          {"pending", pending_slot_.has_value()}};
}

nlohmann::json CronSchedule::saveState() const {
  nlohmann::json j = nlohmann::json::object();
  if (expr_) j["expression"] = expr_->text();
  j["handled_through"] = timeOrNull(handled_through_);
  j["last_run"] = timeOrNull(last_run_);
  return j;
}

void CronSchedule::loadState(const nlohmann::json& state) {
  if (!state.is_object()) return;
  if (state.contains("expression") && state["expression"].is_string())
    saved_expression_ = state["expression"].get<std::string>();
  handled_through_ = timeFrom(state, "handled_through");
  last_run_ = timeFrom(state, "last_run");
}

}  // namespace pgbr
