// Inside of ApiServer, shared by the files that hold it (server.cpp: lifecycle, binding, route
// registration; request_gate.cpp: limits, auth and the answers around every handler;
// routes_basic.cpp: health, metrics, OpenAPI, session, assets; routes_v1.cpp: /api/v1;
// routes_seed.cpp: /pgBackRest; routes_restore_points.cpp: /api/v1/restore-points;
// routes_drills.cpp: /api/v1/drills; streams.cpp: log follows). Not part of the module's interface.
#pragma once

#include <atomic>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "api/answer_cache.h"
#include "api/auth.h"
#include "api/server.h"

namespace pgbr {

// The most lines one answer carries from a log (?tail=N of the log routes, the seed routes'
// ?output=full); more are only reachable by following the log.
inline constexpr uint64_t kMaxLogTail = 100000;

class ApiServer::Impl {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  Impl(Service& service, ApiOptions options);

  std::string bind(const std::string& listen);
  void start();
  void stop();

  // Registers `handler` for `method` on `path` (an OpenAPI template: "{name}" is one segment).
  void add(const std::string& method, const std::string& path, bool open, Handler handler,
           bool asset = false);

  // Hands the routes add() collected to httplib, the ones clients poll first.
  void installRoutes();
  static bool isPolled(const std::string& path);

  void registerBasics();         // health, metrics, OpenAPI, session, dashboard assets
  void registerV1();             // routes_v1.cpp
  void registerSeed();           // routes_seed.cpp
  void registerRestorePoints();  // routes_restore_points.cpp
  void registerDrills();         // routes_drills.cpp
  void registerDumps();          // routes_dumps.cpp
  void registerReplica();        // routes_replica.cpp
  void registerNotifications();  // routes_notifications.cpp

  // SSE follows (streams.cpp). `after` is the last seq the client has.
  void followJobLog(const httplib::Request& req, httplib::Response& res, const std::string& id,
                    uint64_t after);
  // The process log by name, or nullptr after answering 404.
  LogSink* findLog(const std::string& name, httplib::Response& res);
  void followLog(const httplib::Request& req, httplib::Response& res, LogSink& sink,
                 uint64_t after);

  // The `after` a follow starts from: the query parameter, else the Last-Event-ID header an
  // EventSource sends when it reconnects, else 0.
  Outcome<uint64_t> followStart(const httplib::Request& req) const;

  void logRequest(const httplib::Request& req, int status, MonoTime started,
                  std::string_view note = {}) const;

  // Answers 200 with `build()` as JSON text, reused from `cache` while the service's revision
  // and the clock's second are unchanged.
  void sendCachedJson(httplib::Response& res, api::AnswerCache& cache,
                      const std::function<nlohmann::json()>& build);

  Service& service_;
  ApiOptions options_;
  SystemClock system_clock_;  // request durations
  api::Authenticator auth_;
  api::AnswerCache status_answer_;   // GET /api/v1/status
  api::AnswerCache backups_answer_;  // GET /api/v1/backups and the seed's /pgBackRest/info
  httplib::Server http_;
  std::vector<ApiRoute> routes_;
  std::vector<std::regex> route_patterns_;  // parallel to routes_, for 405 answers
  struct PendingRoute {
    std::string method;
    std::string pattern;
    Handler handler;
    bool polled = false;
  };
  std::vector<PendingRoute> pending_;  // from add() until installRoutes()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> loop_returned_{false};
  std::thread thread_;
  int port_ = 0;
  int listen_socket_ = -1;  // set while binding, to raise its backlog
  bool bound_ = false;

 private:
  void dispatch(const ApiRoute& route, const Handler& handler, const httplib::Request& req,
                httplib::Response& res);
  // Answers `error` before the body is read, and closes the connection after the answer.
  httplib::Server::HandlerResponse refuseEarly(const httplib::Request& req, httplib::Response& res,
                                               const Error& error) const;
  httplib::Server::HandlerResponse preRouting(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse answerUnrouted(const httplib::Request& req,
                                                  httplib::Response& res);
};

// A query parameter's value, nullopt when absent.
std::optional<std::string_view> queryParam(const httplib::Request& req, const std::string& name);

// Sends `body` as JSON with `status`.
void sendJson(httplib::Response& res, int status, const nlohmann::json& body);

// Sends the error of an Outcome; for the success case does nothing and returns false.
template <typename T>
bool sendIfError(httplib::Response& res, const Outcome<T>& outcome);

}  // namespace pgbr

#include "api/errors.h"

namespace pgbr {

template <typename T>
bool sendIfError(httplib::Response& res, const Outcome<T>& outcome) {
  if (const Error* error = std::get_if<Error>(&outcome)) {
    api::sendError(res, *error);
    return true;
  }
  return false;
}

}  // namespace pgbr
