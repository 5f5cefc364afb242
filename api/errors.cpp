#include "api/errors.h"

#include <httplib.h>

namespace pgbr::api {

nlohmann::json errorJson(const Error& error) {
  nlohmann::json body = {{"code", std::string(errorCodeName(error.code))},
                         {"message", error.message}};
  if (!error.job_id.empty()) body["job_id"] = error.job_id;
  return {{"error", std::move(body)}};
}

void sendError(httplib::Response& res, const Error& error) {
  res.status = errorHttpStatus(error.code);
  // RFC 6750: a 401 names the scheme the client should use.
  if (error.code == ErrorCode::kUnauthorized) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"pgbr-supervisor\"");
  }
  // Replace invalid UTF-8 (a name echoed from the URL) rather than throw while answering.
  res.set_content(errorJson(error).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

Error badRequest(std::string message) {
  return Error{ErrorCode::kBadRequest, std::move(message), {}};
}

Error notFound(std::string message) {
  return Error{ErrorCode::kNotFound, std::move(message), {}};
}

Error unauthorized(std::string message) {
  return Error{ErrorCode::kUnauthorized, std::move(message), {}};
}

Error internalError(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message), {}};
}

}  // namespace pgbr::api
