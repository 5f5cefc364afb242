// Open routes: health, readiness, metrics, the OpenAPI document, the session (sign in and out)
// and the dashboard's static files.
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/input.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/server_impl.h"
#include "templates/embedded_assets.h"

namespace pgbr {

namespace {

using nlohmann::json;

std::string_view authName(AuthMode mode) {
  return mode == AuthMode::kNone ? "none" : "token";
}

}  // namespace

void ApiServer::Impl::registerBasics() {
  add("GET", "/healthz", true, [](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, {{"status", "ok"}});
  });

  add("GET", "/readyz", true, [this](const httplib::Request&, httplib::Response& res) {
    const ReadyState state = service_.ready();
    if (state.ready) {
      sendJson(res, 200, {{"ready", true}});
    } else {
      sendJson(res, 503, {{"ready", false}, {"reason", state.reason}});
    }
  });

  add("GET", "/metrics", true, [this](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(api::renderMetrics(service_.metrics()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });

  add("GET", "/api/v1/openapi.json", true, [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    const std::string_view document = api::openApiDocument();
    res.set_content(document.data(), document.size(), "application/json");
  });

  add("POST", "/api/v1/session", true, [this](const httplib::Request& req, httplib::Response& res) {
    const Outcome<std::string> token = api::parseSessionRequest(req.body);
    if (sendIfError(res, token)) return;
    if (auth_.mode() == AuthMode::kNone) {
      sendJson(res, 200, {{"authenticated", true}, {"auth", "none"}});
      return;
    }
    if (!auth_.tokenMatches(std::get<std::string>(token))) {
      spdlog::warn("api: sign-in with a wrong token from {}", req.remote_addr);
      api::sendError(res, api::unauthorized("wrong api token; use the value of PGBR_API_TOKEN "
                                            "(or the token file in the state directory)"));
      return;
    }
    const api::NewSession session = auth_.createSession();
    res.set_header("Set-Cookie", auth_.sessionCookie(session));
    res.set_header("Set-Cookie", auth_.csrfCookie(session));
    sendJson(res, 200, {{"authenticated", true}, {"auth", "token"}});
  });

  add("GET", "/api/v1/session", true, [this](const httplib::Request& req, httplib::Response& res) {
    const std::string authorization = req.get_header_value("Authorization");
    const std::string cookie = req.get_header_value("Cookie");
    const bool authenticated = auth_.authenticated({authorization, cookie, {}});
    sendJson(res, 200, {{"authenticated", authenticated}, {"auth", authName(auth_.mode())}});
  });

  add("DELETE", "/api/v1/session", true,
      [this](const httplib::Request& req, httplib::Response& res) {
        auth_.endSession(req.get_header_value("Cookie"));
        res.set_header("Set-Cookie", api::Authenticator::clearedSessionCookie());
        res.set_header("Set-Cookie", api::Authenticator::clearedCsrfCookie());
        sendJson(res, 200, {{"authenticated", false}, {"auth", authName(auth_.mode())}});
      });

  // The dashboard's files: open, since they hold no data (the dashboard asks the API for it).
  for (const EmbeddedAsset& asset : embeddedAssets()) {
    add(
        "GET", std::string(asset.path), true,
        [&asset](const httplib::Request&, httplib::Response& res) {
          res.status = 200;
          // Revalidate on every load, so a new binary's dashboard replaces the old one at once.
          res.headers.erase("Cache-Control");
          res.set_header("Cache-Control", "no-cache");
          res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type));
        },
        /*asset=*/true);
  }
}

}  // namespace pgbr
