// The notifications' routes (supervisor/notify/): GET /api/v1/notifications lists the channels,
// the active alerts and the recent deliveries; POST /api/v1/notifications/test sends a test to
// every channel and answers each one's result. Notifications are a capability: these routes find
// it through Service::capability and answer 404 when the binary was built without it.
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "supervisor/notify/notify_capability.h"

namespace pgbr {

namespace {

using nlohmann::json;

constexpr uint64_t kDefaultDeliveries = 50;
constexpr uint64_t kMaxDeliveries = 200;

}  // namespace

void ApiServer::Impl::registerNotifications() {
  auto notifications = [this](httplib::Response& res) -> NotificationService* {
    auto* service = dynamic_cast<NotificationService*>(service_.capability(kNotifyCapability));
    if (service == nullptr)
      api::sendError(res, api::notFound("notifications are not available in this build"));
    return service;
  };

  add("GET", "/api/v1/notifications", false,
      [notifications](const httplib::Request& req, httplib::Response& res) {
        NotificationService* service = notifications(res);
        if (service == nullptr) return;
        const Outcome<uint64_t> limit =
            api::parseCount("limit", queryParam(req, "limit"), kDefaultDeliveries, kMaxDeliveries);
        if (sendIfError(res, limit)) return;
        sendJson(res, 200, service->overview(std::get<uint64_t>(limit)));
      });

  // A test waits for every channel's answer: at most the slowest transport's timeout (30 s).
  add("POST", "/api/v1/notifications/test", false,
      [notifications](const httplib::Request& req, httplib::Response& res) {
        NotificationService* service = notifications(res);
        if (service == nullptr) return;
        if (req.body.find_first_not_of(" \t\r\n{}") != std::string::npos)
          return api::sendError(res,
                                api::badRequest("the test takes no fields; send {} or nothing"));
        const Outcome<json> results = service->sendTest();
        if (sendIfError(res, results)) return;
        sendJson(res, 200, std::get<json>(results));
      });
}

}  // namespace pgbr
