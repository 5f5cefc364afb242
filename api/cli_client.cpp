// CliClient (cli_client.h).
#include "api/cli_client.h"

#include <chrono>
#include <iostream>
#include <thread>

namespace pgbr::api {

using nlohmann::json;

CliClient::CliClient(const Settings& settings, std::ostream& err) : err_(err) {
  std::string error;
  target_ = localApiTarget(settings, &error);
  if (!target_) {
    err_ << kPrefix << error << "\n";
    return;
  }
  client_ = std::make_unique<httplib::Client>(target_->host, target_->port);
  client_->set_connection_timeout(5);
  client_->set_read_timeout(600);
  if (!target_->token.empty()) headers_.emplace("Authorization", "Bearer " + target_->token);
}

std::optional<json> CliClient::call(const std::string& method, const std::string& path, int want,
                                    const json* body) {
  httplib::Result res = method == "GET" ? client_->Get(path, headers_)
                                        : client_->Post(path, headers_, body ? body->dump() : "{}",
                                                        "application/json");
  if (!res) {
    unreachable(res.error());
    return std::nullopt;
  }
  json answer = json::parse(res->body, nullptr, false);
  if (res->status == want && !answer.is_discarded()) return answer;
  refused(res->status, answer);
  return std::nullopt;
}

bool CliClient::download(const std::string& path, std::ostream& out) {
  int status = 0;
  std::string error_body;
  httplib::Result res = client_->Get(
      path, headers_,
      [&](const httplib::Response& r) {
        status = r.status;
        return true;
      },
      [&](const char* data, size_t length) {
        if (status == 200) {
          out.write(data, static_cast<std::streamsize>(length));
          return static_cast<bool>(out);
        }
        error_body.append(data, length);
        return true;
      });
  if (!res) {
    unreachable(res.error());
    return false;
  }
  if (status != 200) {
    refused(status, json::parse(error_body, nullptr, false));
    return false;
  }
  return true;
}

bool CliClient::waitJob(const std::string& id, std::ostream& out) {
  std::string last;
  for (;;) {
    std::optional<json> job = call("GET", "/api/v1/jobs/" + id, 200);
    if (!job) return false;
    const std::string state = job->value("state", "");
    const std::string message = job->value("message", "");
    if (state == "succeeded" || state == "failed" || state == "cancelled") {
      (state == "succeeded" ? out : err_)
          << (state == "succeeded" ? "" : std::string(kPrefix)) << message << "\n";
      return state == "succeeded";
    }
    if (!message.empty() && message != last) out << "  " << message << "\n" << std::flush;
    last = message;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void CliClient::unreachable(httplib::Error error) {
  err_ << kPrefix << "cannot reach the supervisor at " << target_->host << ":" << target_->port
       << " (address from " << target_->address_from << "): " << httplib::to_string(error)
       << "; is it running? set PGBR_STATE_DIR or PGBR_API_LISTEN to find it\n";
}
void CliClient::refused(int status, const json& answer) {
  if (answer.is_object() && answer.contains("error") && answer["error"].is_object())
    err_ << kPrefix << answer["error"].value("message", "") << " ("
         << answer["error"].value("code", "") << ", http " << status << ")\n";
  else
    err_ << kPrefix << "unexpected answer: http " << status << "\n";
}

}  // namespace pgbr::api
