// The restore drill's routes (supervisor/drill/): POST /api/v1/drills starts one,
// GET /api/v1/drills lists them, GET /api/v1/drills/{id} answers one with its report and the log
// of its job. The drill is a capability: these routes find it through Service::capability and
// answer 404 when the binary was built without it.
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "supervisor/drill/drill_capability.h"

namespace pgbr {

namespace {

using nlohmann::json;

constexpr uint64_t kDefaultDrills = 20;
constexpr uint64_t kMaxDrills = 200;
constexpr size_t kDrillLogTail = 2000;

// {"set"?: "LABEL"}; an empty body is {}: the latest backup.
Outcome<DrillRequest> parseDrillRequest(std::string_view body) {
  DrillRequest request;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return request;
  const json value = json::parse(body.begin(), body.end(), nullptr, false);
  if (value.is_discarded() || !value.is_object())
    return api::badRequest(
        "the request body must be a JSON object like {\"set\": \"20261122-101500F\"} or {}");
  for (const auto& [key, unused] : value.items())
    if (key != "set")
      return api::badRequest("unknown field \"" + key + "\"; the only field is set");
  if (value.contains("set") && !value["set"].is_null()) {
    if (!value["set"].is_string())
      return api::badRequest("field \"set\" must be a string (a backup label)");
    request.set = value["set"].get<std::string>();
    if (request.set.empty())
      return api::badRequest("field \"set\" is empty; leave it out to drill the latest backup");
  }
  return request;
}

}  // namespace

void ApiServer::Impl::registerDrills() {
  auto drills = [this](httplib::Response& res) -> DrillService* {
    auto* service = dynamic_cast<DrillService*>(service_.capability(kDrillCapability));
    if (service == nullptr)
      api::sendError(res, api::notFound("the restore drill is not available in this build"));
    return service;
  };

  add("POST", "/api/v1/drills", false,
      [drills](const httplib::Request& req, httplib::Response& res) {
        DrillService* service = drills(res);
        if (service == nullptr) return;
        const Outcome<DrillRequest> request = parseDrillRequest(req.body);
        if (sendIfError(res, request)) return;
        const Outcome<Job> job = service->startDrill(std::get<DrillRequest>(request));
        if (sendIfError(res, job)) return;
        const Job& started = std::get<Job>(job);
        res.set_header("Location", "/api/v1/drills/" + started.id);
        sendJson(res, 202, {{"job", toJson(started)}});
      });

  add("GET", "/api/v1/drills", false,
      [drills](const httplib::Request& req, httplib::Response& res) {
        DrillService* service = drills(res);
        if (service == nullptr) return;
        const Outcome<uint64_t> limit =
            api::parseCount("limit", queryParam(req, "limit"), kDefaultDrills, kMaxDrills);
        if (sendIfError(res, limit)) return;
        sendJson(res, 200, service->drills(std::get<uint64_t>(limit)));
      });

  add("GET", "/api/v1/drills/{id}", false,
      [this, drills](const httplib::Request& req, httplib::Response& res) {
        DrillService* service = drills(res);
        if (service == nullptr) return;
        const std::string id = req.matches[1].str();
        Outcome<json> drill = service->drill(id);
        if (sendIfError(res, drill)) return;
        json answer = std::move(std::get<json>(drill));
        const Outcome<Job> job = service_.job(id);
        answer["job"] = std::holds_alternative<Job>(job) ? toJson(std::get<Job>(job)) : json();
        json lines = json::array();
        const Outcome<LogView> log = service_.jobLog(id, kDrillLogTail);
        if (const auto* view = std::get_if<LogView>(&log))
          for (const LogLine& line : view->lines) lines.push_back(line.text);
        answer["log"] = std::move(lines);
        sendJson(res, 200, answer);
      });
}

}  // namespace pgbr
