// How the API answers a failure: every error leaves as `{"error": {"code", "message"}}` with the
// HTTP status that supervisor/common/errors.h assigns to its code (the one registry of codes;
// nothing here invents a code or a status). A repository_busy error also carries "job_id" so a
// client can follow the job that holds the repository.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "supervisor/common/errors.h"

namespace httplib {
struct Response;
}

namespace pgbr::api {

// {"error": {"code": "repository_busy", "message": "...", "job_id": "..."}}
nlohmann::json errorJson(const Error& error);

// Sets status, JSON body and, for unauthorized, the `WWW-Authenticate: Bearer` challenge.
void sendError(httplib::Response& res, const Error& error);

// Shorthands for the errors the API itself raises (the service raises the others).
Error badRequest(std::string message);
Error notFound(std::string message);
Error unauthorized(std::string message);
Error internalError(std::string message);

}  // namespace pgbr::api
