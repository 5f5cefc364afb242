#include "api/local_client.h"

#include <filesystem>
#include <fstream>
#include <ostream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "supervisor/common/file_write.h"
#include "supervisor/config/listen_address.h"

namespace pgbr::api {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kProgramName = "pgbr-supervisor";
// The server answers once the point's WAL is archived, at most its archive timeout (60 s) later.
constexpr int kReadTimeoutS = 120;

std::optional<std::string> firstLine(const fs::path& file, std::string* error) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    *error = "cannot read " + file.string() + "; run this as root or as the supervisor's user";
    return std::string();
  }
  return line;
}

}  // namespace

std::optional<LocalApiTarget> localApiTarget(const Settings& settings, std::string* error) {
  LocalApiTarget target;
  const fs::path address_file = fs::path(settings.state_dir) / "api-address";
  std::string listen = settings.api_listen;
  target.address_from = "PGBR_API_LISTEN";
  std::string read_error;
  if (auto recorded = firstLine(address_file, &read_error)) {
    if (!read_error.empty()) {
      *error = read_error;
      return std::nullopt;
    }
    listen = *recorded;
    target.address_from = address_file.string();
  }
  std::string parse_error;
  auto address = parseListenAddress(listen, &parse_error);
  if (!address) {
    *error = target.address_from + " holds no usable address (" + parse_error + ")";
    return std::nullopt;
  }
  target.host = connectHost(*address);
  target.port = address->port;

  if (settings.api_auth == AuthMode::kNone) return target;
  target.token = settings.api_token;
  if (target.token.empty()) {
    const fs::path token_file = fs::path(settings.state_dir) / "api-token";
    auto token = firstLine(token_file, &read_error);
    if (!read_error.empty()) {
      *error = read_error;
      return std::nullopt;
    }
    if (!token || token->size() < 16) {
      *error = "no api token: " + token_file.string() +
               " holds none; set PGBR_API_TOKEN or PGBR_API_TOKEN_FILE to the supervisor's token";
      return std::nullopt;
    }
    target.token = *token;
  }
  return target;
}

std::string recordApiAddress(const std::string& state_dir, const std::string& listen, int port) {
  // The listen text's host with the port actually bound (the text may ask for port 0).
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return "\"" + listen + "\" is not host:port";
  const std::string address = listen.substr(0, colon + 1) + std::to_string(port);
  std::string error;
  if (!parseListenAddress(address, &error)) return error;
  return writeFileAtomically(fs::path(state_dir) / "api-address", address + "\n",
                             fs::perms::owner_read | fs::perms::owner_write |
                                 fs::perms::group_read | fs::perms::others_read);
}

int restorePointCommand(const Settings& settings, const std::string& name, std::ostream& out,
                        std::ostream& err) {
  const std::string prefix = std::string(kProgramName) + ": error: ";
  std::string error;
  auto target = localApiTarget(settings, &error);
  if (!target) {
    err << prefix << error << "\n";
    return 1;
  }
  httplib::Client client(target->host, target->port);
  client.set_connection_timeout(5);
  client.set_read_timeout(kReadTimeoutS);
  httplib::Headers headers;
  if (!target->token.empty()) headers.emplace("Authorization", "Bearer " + target->token);
  const std::string body = nlohmann::json{{"name", name}}.dump();
  auto res = client.Post("/api/v1/restore-points", headers, body, "application/json");
  const std::string where = target->host + ":" + std::to_string(target->port);
  if (!res) {
    err << prefix << "cannot reach the supervisor at " << where << " (address from "
        << target->address_from << "): " << httplib::to_string(res.error())
        << "; is it running? set PGBR_STATE_DIR or PGBR_API_LISTEN to find it\n";
    return 1;
  }
  const nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status == 201 && answer.is_object() && answer.contains("restore_point")) {
    const nlohmann::json& point = answer["restore_point"];
    out << "restore point \"" << point.value("name", name) << "\" created at "
        << point.value("created_at", "?") << ": lsn " << point.value("lsn", "?") << ", timeline "
        << point.value("timeline", 0) << ", wal " << point.value("wal_file", "?")
        << (point.value("archived", false) ? ", in the repository" : ", not archived yet") << "\n";
    return 0;
  }
  if (answer.is_object() && answer.contains("error") && answer["error"].is_object()) {
    err << prefix << answer["error"].value("message", "") << " ("
        << answer["error"].value("code", "") << ", http " << res->status << ")\n";
  } else {
    err << prefix << "unexpected answer from " << where << ": http " << res->status << "\n";
  }
  return 1;
}

}  // namespace pgbr::api
