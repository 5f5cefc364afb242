// The promote command (cli_replica.h).
#include "api/cli_replica.h"

#include <iostream>

#include "api/cli_client.h"

namespace pgbr::api {

int promoteCommand(const Settings& settings, const std::vector<std::string>& words,
                   std::ostream& out, std::ostream& err) {
  if (!words.empty()) {
    err << kPrefix << "promote takes no arguments, got \"" << words.front()
        << "\"; put flags such as --state-dir before or after it\n";
    return 2;
  }
  CliClient api(settings, err);
  if (!api.ok()) return 1;
  const nlohmann::json body = {{"confirm", settings.stanza}};
  std::optional<nlohmann::json> answer = api.call("POST", "/api/v1/promote", 202, &body);
  if (!answer) return 1;
  const std::string id = answer->value("job", nlohmann::json::object()).value("id", "");
  out << "promoting (job " << id << ")\n" << std::flush;
  return api.waitJob(id, out) ? 0 : 1;
}

}  // namespace pgbr::api
