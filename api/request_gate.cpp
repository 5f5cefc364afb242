// What every request passes through around its handler: the limits checked before the body is
// read (headers 431, path 414, chunked bodies 411), authentication and CSRF, the handler's
// exceptions caught and logged, and the answers httplib would otherwise give without a JSON body
// (404 with the routes' pointer, 405 with Allow, 413, 414). Part of ApiServer::Impl (see
// server_impl.h).
#include <regex>

#include <spdlog/spdlog.h>

#include "api/connection.h"
#include "api/errors.h"
#include "api/server_impl.h"

namespace pgbr {

namespace {

constexpr size_t kMaxPathBytes = 1024;

bool changesState(const std::string& method) {
  return method == "POST" || method == "DELETE";
}

}  // namespace

void ApiServer::Impl::dispatch(const ApiRoute& route, const Handler& handler,
                               const httplib::Request& req, httplib::Response& res) {
  const MonoTime started = system_clock_.monotonic();
  try {
    if (!route.open) {
      const std::string authorization = req.get_header_value("Authorization");
      const std::string cookie = req.get_header_value("Cookie");
      const std::string csrf = req.get_header_value(std::string(api::kCsrfHeader));
      if (std::optional<Error> refused =
              auth_.check({authorization, cookie, csrf}, changesState(req.method))) {
        api::sendError(res, *refused);
        logRequest(req, res.status, started);
        return;
      }
    }
    handler(req, res);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {} failed: {}", req.method, req.path, e.what());
    res.content_provider_ = nullptr;
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
  } catch (...) {
    spdlog::error("api: {} {} failed with an unknown exception", req.method, req.path);
    res.content_provider_ = nullptr;
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
  }
  logRequest(req, res.status == -1 ? 200 : res.status, started);
}

httplib::Server::HandlerResponse ApiServer::Impl::refuseEarly(const httplib::Request& req,
                                                              httplib::Response& res,
                                                              const Error& error) const {
  api::sendError(res, error);
  // Refused before httplib read the body: on a kept-alive connection the unread body would be
  // parsed as the next request (a body can carry a whole request), so the connection ends after
  // this answer.
  res.set_header("Connection", "close");
  api::markEndAfterAnswer();  // the logger set in the constructor ends the connection
  logRequest(req, res.status, system_clock_.monotonic());
  return httplib::Server::HandlerResponse::Handled;
}

httplib::Server::HandlerResponse ApiServer::Impl::preRouting(const httplib::Request& req,
                                                             httplib::Response& res) {
  // httplib refuses one header line over 8 KiB but not many lines; cap the total as well.
  size_t header_bytes = 0;
  for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size() + 4;
  if (header_bytes > options_.max_header_bytes) {
    return refuseEarly(
        req, res,
        Error{ErrorCode::kHeadersTooLarge, "the request headers are larger than " +
                                               std::to_string(options_.max_header_bytes) +
                                               " bytes; send fewer or shorter headers"});
  }
  // Routes are matched with std::regex, whose libstdc++ matcher recurses once per character: a
  // long path could exhaust a worker's stack (httplib only caps the whole URI at 8 KiB).
  if (req.path.size() > kMaxPathBytes) {
    return refuseEarly(req, res,
                       Error{ErrorCode::kUriTooLong, "the request path is longer than " +
                                                         std::to_string(kMaxPathBytes) + " bytes"});
  }
  // httplib does not cap a chunked body, so it could grow without bound in memory; the API's
  // bodies are small JSON that every client sends with a length.
  if (req.has_header("Transfer-Encoding")) {
    return refuseEarly(req, res,
                       Error{ErrorCode::kLengthRequired,
                             "chunked request bodies are not accepted; send the body with a "
                             "Content-Length header"});
  }
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3);
  // `curl -X POST` sends exactly that for the bodiless actions (process restart, job cancel).
  // httplib 0.11 instead reads a POST's body until the client closes, which it never does: the
  // request would hang for the read timeout and end in 400. Saying "no body" is what the client
  // meant. The request is httplib's own non-const object, handed to this hook as const.
  if (req.method == "POST" && !req.has_header("Content-Length")) {
    const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

httplib::Server::HandlerResponse ApiServer::Impl::answerUnrouted(const httplib::Request& req,
                                                                 httplib::Response& res) {
  // Our own handlers always set a body; an empty one means httplib itself refused the request.
  if (!res.body.empty() || res.content_provider_) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  const int status = res.status;
  if (status == 404) {
    std::string allowed;
    for (size_t i = 0; i < routes_.size(); ++i) {
      if (std::regex_match(req.path, route_patterns_[i]) &&
          allowed.find(routes_[i].method) == std::string::npos) {
        allowed += (allowed.empty() ? "" : ", ") + routes_[i].method;
      }
    }
    if (!allowed.empty()) {
      api::sendError(
          res, Error{ErrorCode::kMethodNotAllowed, "method " + req.method + " is not allowed on " +
                                                       req.path + "; use " + allowed});
      res.set_header("Allow", allowed);
    } else {
      api::sendError(res, api::notFound("no route " + req.method + " " + req.path +
                                        "; see /api/v1/openapi.json for the routes"));
    }
  } else if (status == 413) {
    api::sendError(res, Error{ErrorCode::kPayloadTooLarge,
                              "the request body is larger than " +
                                  std::to_string(options_.max_body) + " bytes",
                              {}});
  } else if (status == 414) {
    api::sendError(res, Error{ErrorCode::kUriTooLong, "the request uri is too long"});
  } else if (status >= 500) {
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
    res.status = status;
  } else {
    api::sendError(res, api::badRequest("malformed request: a bad request line, or a header "
                                        "line longer than 8192 bytes"));
    res.status = status;
  }
  logRequest(req, res.status, system_clock_.monotonic());
  return httplib::Server::HandlerResponse::Handled;
}

void ApiServer::Impl::logRequest(const httplib::Request& req, int status, MonoTime started,
                                 std::string_view note) const {
  // Method and path only: headers and query strings may carry credentials.
  const auto elapsed =
      std::chrono::duration_cast<Millis>(system_clock_.monotonic() - started).count();
  spdlog::debug("api: {} {} -> {} in {} ms{}{}", req.method, req.path, status, elapsed,
                note.empty() ? "" : " ", note);
}

}  // namespace pgbr
