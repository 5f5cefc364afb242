// AlertTracker (alert_tracker.h).
#include "supervisor/notify/alert_tracker.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "supervisor/common/file_write.h"
#include "supervisor/common/time_format.h"

namespace pgbr {

namespace fs = std::filesystem;
using nlohmann::json;

json toJson(const ActiveAlert& a) {
  return {{"condition", a.condition},
          {"severity", severityName(a.severity)},
          {"message", a.message},
          {"details", a.details},
          {"since", formatRfc3339Millis(a.since)},
          {"notification_id", a.notification_id}};
}

namespace {

std::optional<ActiveAlert> alertFromJson(const json& j) {
  try {
    ActiveAlert a;
    a.condition = j.at("condition").get<std::string>();
    auto severity = parseSeverity(j.at("severity").get<std::string>());
    auto since = parseRfc3339(j.at("since").get<std::string>());
    if (!severity || !since || a.condition.empty()) return std::nullopt;
    a.severity = *severity;
    a.since = *since;
    a.message = j.at("message").get<std::string>();
    a.details = j.value("details", json::object());
    a.notification_id = j.at("notification_id").get<std::string>();
    return a;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

AlertTracker::AlertTracker(fs::path folder, NotificationSink& sink, const Clock& clock,
                           std::string stanza, std::string host)
    : folder_(std::move(folder)),
      sink_(sink),
      clock_(clock),
      stanza_(std::move(stanza)),
      host_(std::move(host)) {}

std::string AlertTracker::open() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec) return "cannot create " + folder_.string() + ": " + ec.message();
  active_.clear();
  std::ifstream in(file(), std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str(), nullptr, false);
  bool bad = !doc.is_object() || !doc.contains("active") || !doc["active"].is_array();
  if (!bad) {
    for (const auto& entry : doc["active"]) {
      auto alert = alertFromJson(entry);
      if (!alert) {
        bad = true;
        break;
      }
      active_.push_back(std::move(*alert));
    }
  }
  if (!bad) return {};
  active_.clear();
  fs::rename(file(), fs::path(file()).concat(".bad"), ec);
  return "the alert state " + file().string() +
         " was unreadable and was moved aside to alerts.json.bad; alerts that fired before the "
         "restart will fire again";
}

Notification AlertTracker::make(const std::string& condition, Severity severity, AlertState state,
                                const std::string& message, const json& details) const {
  Notification n;
  n.time = clock_.wall();
  n.id = newNotificationId(n.time);
  n.condition = condition;
  n.event = eventOfCondition(condition);
  n.severity = severity;
  n.state = state;
  n.stanza = stanza_;
  n.host = host_;
  n.message = message;
  n.details = details.is_object() ? details : json{{"value", details}};
  return n;
}

bool AlertTracker::raise(const std::string& condition, Severity severity,
                         const std::string& message, const json& details) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(active_.begin(), active_.end(),
                         [&](const ActiveAlert& a) { return a.condition == condition; });
  if (it != active_.end() && severity <= it->severity) {
    // Firing already: the latest message is kept for the dashboard, nothing is sent.
    it->message = message;
    it->details = details;
    return false;
  }
  const Notification n = make(condition, severity, AlertState::kFiring, message, details);
  sink_.enqueue(n);
  if (it == active_.end()) {
    // Edge resolved -> firing.
    active_.push_back({condition, severity, message, n.details, n.time, n.id});
  } else {
    // Edge firing -> firing at a higher severity (escalation): announced once more.
    it->severity = severity;
    it->message = message;
    it->details = n.details;
    it->notification_id = n.id;
  }
  save();
  return true;
}

bool AlertTracker::clear(const std::string& condition, const std::string& message,
                         const json& details) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(active_.begin(), active_.end(),
                         [&](const ActiveAlert& a) { return a.condition == condition; });
  if (it == active_.end()) return false;
  // Edge firing -> resolved. The resolved notification keeps the severity it fired with, so a
  // receiver can match the two.
  Notification n = make(condition, it->severity, AlertState::kResolved, message, details);
  n.details["firing_since"] = formatRfc3339(it->since);
  sink_.enqueue(n);
  active_.erase(it);
  save();
  return true;
}

void AlertTracker::announce(const std::string& event, Severity severity, const std::string& message,
                            const json& details) {
  sink_.enqueue(make(event, severity, AlertState::kFiring, message, details));
}

bool AlertTracker::isFiring(const std::string& condition) const {
  std::lock_guard lock(mutex_);
  return std::any_of(active_.begin(), active_.end(),
                     [&](const ActiveAlert& a) { return a.condition == condition; });
}

std::vector<ActiveAlert> AlertTracker::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

MetricFamily AlertTracker::metric() const {
  MetricFamily family{
      "pgbr_alert_active", "gauge", "1 for every alert condition that fires now", {}};
  std::lock_guard lock(mutex_);
  for (const auto& a : active_) family.add({{"condition", a.condition}}, int64_t{1});
  return family;
}

std::string AlertTracker::writeError() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

void AlertTracker::save() {
  json active = json::array();
  for (const auto& a : active_) active.push_back(toJson(a));
  const json doc = {{"version", 1}, {"active", active}};
  write_error_ =
      writeFileAtomically(file(), doc.dump(-1, ' ', false, json::error_handler_t::replace),
                          fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace pgbr
