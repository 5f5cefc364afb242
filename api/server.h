// The HTTP server: the JSON API under /api/v1, the seed-compatible /pgBackRest routes, health,
// metrics, the OpenAPI document and the dashboard's static assets. HTTP only: every answer comes
// from the Service interface, the one seam to the core.
//
// Policy:
// - Protected routes need the API token (bearer or cookie session, see auth.h); open routes are
//   /healthz, /readyz, /metrics, /api/v1/openapi.json, /api/v1/session and the dashboard assets
//   (which carry no data: the dashboard asks the API like any client).
// - Nothing a client sends may crash the server or reach a child unchecked: bodies are capped
//   (413), chunked request bodies are refused (their size is unknown up front), headers are
//   capped, each handler's exceptions are caught and logged, and input is validated (input.h).
// - Every connection serves one request and closes: a worker thread is never parked on an idle
//   keep-alive connection, and a refused request's unread body can never be read as the next
//   request.
// - Long requests (log follows, the seed routes that wait for their job) end promptly when the
//   server stops; stop() returns once every worker has finished.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/config/settings.h"
#include "supervisor/service/service.h"

namespace pgbr {

struct ApiOptions {
  AuthMode auth = AuthMode::kToken;
  std::string token;                    // required in kToken mode
  size_t max_body = 64 * 1024;          // request bodies above this get 413 payload_too_large
  size_t max_header_bytes = 32 * 1024;  // all request headers together
  size_t threads = 64;      // most workers at once; each open connection and log follow holds one
  size_t idle_threads = 2;  // workers kept while nothing happens (capped at `threads`)
  size_t keep_alive_requests = 1000;  // requests on one connection before the server closes it
  Millis stream_poll{1000};           // how long a log follow waits for lines per round
  Millis seed_wait{std::chrono::hours(24)};  // a seed route waits this long for its job
  Seconds read_timeout{10};
  Seconds write_timeout{30};
  Seconds session_ttl{std::chrono::hours(12)};
  const Clock* clock = nullptr;  // sessions' expiry; nullptr means the system clock
};

// One registered route, as the OpenAPI document names it ("/api/v1/jobs/{id}").
struct ApiRoute {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;
  bool open = false;   // reachable without the token
  bool asset = false;  // a dashboard file (not described in the OpenAPI document)
};

class ApiServer {
 public:
  // Throws std::invalid_argument for unusable options (token mode without a token, no threads).
  ApiServer(Service& service, ApiOptions options);
  ~ApiServer();  // stops the server if it runs
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds "host:port" (port 0 picks a free port). Returns an empty string on success, otherwise
  // one lowercase line saying what failed and what to do, e.g. "cannot listen on
  // 127.0.0.1:5000: address already in use; set PGBR_API_LISTEN to a free address".
  std::string bind(const std::string& listen);
  int port() const;  // the bound port, 0 before bind()

  void start();  // serves on its own thread; bind() first
  void stop();   // idempotent; returns when every worker has finished

  std::vector<ApiRoute> routes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgbr
