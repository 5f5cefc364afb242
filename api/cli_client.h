// The command line's client of the running supervisor's API (`dumps`, `databases`, `promote`):
// found and authenticated as `restore-point` is (local_client.h), with one line on stderr for
// every way a call can fail.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/local_client.h"
#include "supervisor/config/settings.h"

namespace pgbr::api {

inline constexpr std::string_view kPrefix = "pgbr-supervisor: error: ";

class CliClient {
 public:
  // Finds the supervisor; ok() is false after printing why not.
  CliClient(const Settings& settings, std::ostream& err);
  bool ok() const { return client_ != nullptr; }

  // The answer's JSON when its status is `want`; else prints why and returns nullopt.
  std::optional<nlohmann::json> call(const std::string& method, const std::string& path, int want,
                                     const nlohmann::json* body = nullptr);
  // Streams GET `path` into `out`; false after printing why.
  bool download(const std::string& path, std::ostream& out);
  // Polls the job until it ends; prints its message; true when it succeeded.
  bool waitJob(const std::string& id, std::ostream& out);

 private:
  void unreachable(httplib::Error error);
  void refused(int status, const nlohmann::json& answer);

  std::ostream& err_;
  std::optional<LocalApiTarget> target_;
  std::unique_ptr<httplib::Client> client_;
  httplib::Headers headers_;
};

}  // namespace pgbr::api
