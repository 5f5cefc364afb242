// Notification (notification.h).
#include "supervisor/notify/notification.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

#include "supervisor/common/time_format.h"

namespace pgbr {

std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> parseSeverity(std::string_view text) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical})
    if (severityName(s) == text) return s;
  return std::nullopt;
}

std::string_view alertStateName(AlertState state) {
  switch (state) {
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
    case AlertState::kTest:
      return "test";
  }
  return "firing";
}

std::optional<AlertState> parseAlertState(std::string_view text) {
  for (AlertState s : {AlertState::kFiring, AlertState::kResolved, AlertState::kTest})
    if (alertStateName(s) == text) return s;
  return std::nullopt;
}

std::string newNotificationId(WallTime now) {
  // Not a secret, only unique: random_device seeds once, the generator is per thread.
  thread_local std::mt19937_64 random{(uint64_t{std::random_device{}()} << 32) ^
                                      std::random_device{}()};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  char bits[24];
  std::snprintf(bits, sizeof bits, "%016llx", static_cast<unsigned long long>(random()));
  return std::string(stamp) + "-" + bits;
}

std::string eventOfCondition(std::string_view condition) {
  return std::string(condition.substr(0, condition.find(':')));
}

nlohmann::json toJson(const Notification& n) {
  return {{"id", n.id},
          {"condition", n.condition},
          {"event", n.event},
          {"severity", severityName(n.severity)},
          {"state", alertStateName(n.state)},
          {"stanza", n.stanza},
          {"host", n.host},
          {"message", n.message},
          {"details", n.details},
          {"time", formatRfc3339Millis(n.time)}};
}

std::optional<Notification> notificationFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return std::nullopt;
  auto text = [&](const char* name) -> const std::string* {
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* fields[] = {text("id"),       text("condition"), text("event"),
                                 text("severity"), text("state"),     text("stanza"),
                                 text("host"),     text("message"),   text("time")};
  for (const std::string* field : fields)
    if (field == nullptr) return std::nullopt;
  const auto severity = parseSeverity(*fields[3]);
  const auto state = parseAlertState(*fields[4]);
  const auto time = parseRfc3339(*fields[8]);
  if (!severity || !state || !time) return std::nullopt;
  Notification n;
  n.id = *fields[0];
  n.condition = *fields[1];
  n.event = *fields[2];
  n.severity = *severity;
  n.state = *state;
  n.stanza = *fields[5];
  n.host = *fields[6];
  n.message = *fields[7];
  n.details = json.value("details", nlohmann::json::object());
  n.time = *time;
  return n;
}

}  // namespace pgbr
