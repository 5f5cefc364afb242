// A notification: one message about one condition of the supervisor ("the backup failed", "WAL
// archiving is stuck", "... resolved"), before it is rendered for a channel (formats.h). The same
// value travels through the delivery queue on disk (outbox.h), so it round-trips through JSON.
//
// Policy: `condition` is the stable key of what is wrong ("job-failed:backup"); `event` names the
// kind of thing for receivers that route on it ("job-failed"); `message` is one plain-language
// sentence a person can act on; `details` carries the machine-readable facts (job id, exit code).
// `id` is unique per notification and stays the same across retries, so a receiver can drop a
// duplicate delivery.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"

namespace pgbr {

enum class Severity { kInfo, kWarning, kCritical };
enum class AlertState { kFiring, kResolved, kTest };

std::string_view severityName(Severity severity);  // "info", "warning", "critical"
std::optional<Severity> parseSeverity(std::string_view text);
std::string_view alertStateName(AlertState state);  // "firing", "resolved", "test"
std::optional<AlertState> parseAlertState(std::string_view text);

struct Notification {
  std::string id;
  std::string condition;  // "job-failed:backup"
  std::string event;      // "job-failed"
  Severity severity = Severity::kInfo;
  AlertState state = AlertState::kFiring;
  std::string stanza;
  std::string host;
  std::string message;
  nlohmann::json details = nlohmann::json::object();
  WallTime time{};
};

// A fresh id: the time and 64 random bits, e.g. "20261206T232212Z-9f1c2a7b40d3e815".
std::string newNotificationId(WallTime now);

// The event name of a condition key: the part before the first ':' ("job-failed:backup" ->
// "job-failed"), the whole key when it has none.
std::string eventOfCondition(std::string_view condition);

nlohmann::json toJson(const Notification& notification);
// Returns nullopt when a field is missing or has the wrong type or value.
std::optional<Notification> notificationFromJson(const nlohmann::json& json);

}  // namespace pgbr
