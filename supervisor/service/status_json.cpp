#include "supervisor/service/status_json.h"

#include "supervisor/common/json_time.h"

namespace pgbr {

namespace {
nlohmann::json textOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}
}  // namespace

nlohmann::json processJson(const ProcessSnapshot& snap) {
  nlohmann::json p;
  p["name"] = snap.name;
  p["state"] = toString(snap.state);
  p["pid"] = snap.pid > 0 ? nlohmann::json(snap.pid) : nlohmann::json(nullptr);
  p["uptime_s"] =
      snap.pid > 0 ? nlohmann::json(snap.uptime.count() / 1000) : nlohmann::json(nullptr);
  p["started_at"] = timeOrNull(snap.started_at);
  p["restarts"] = snap.restarts;
  p["last_exit"] = textOrNull(snap.last_exit);
  p["last_exit_at"] = timeOrNull(snap.last_exit_at);
  p["message"] = snap.message;
  return p;
}

nlohmann::json postgresJson(const ProcessSnapshot& snap, const ArchiveHealth& health,
                            bool restore_running) {
  nlohmann::json j = processJson(snap);
  j.erase("name");
  j["ready"] = snap.state == ProcessState::kRunning && !restore_running;
  const bool fresh = health.pg.ok && snap.state == ProcessState::kRunning;
  j["in_recovery"] = fresh ? nlohmann::json(health.pg.in_recovery) : nlohmann::json(nullptr);
  j["connections"] = fresh ? nlohmann::json(health.pg.connections) : nlohmann::json(nullptr);
  j["version"] = textOrNull(health.pg.server_version);
  j["system_identifier"] = textOrNull(health.pg.system_identifier);
  return j;
}

}  // namespace pgbr
