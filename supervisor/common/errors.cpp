#include "supervisor/common/errors.h"

namespace pgbr {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kRepositoryBusy:
      return "repository_busy";
    case ErrorCode::kUnrecoverable:
      return "unrecoverable_target";
    case ErrorCode::kConfirmRequired:
      return "confirmation_required";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kCsrfFailed:
      return "csrf_failed";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kUriTooLong:
      return "uri_too_long";
    case ErrorCode::kHeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::kLengthRequired:
      return "length_required";
    case ErrorCode::kCommandFailed:
      return "command_failed";
    case ErrorCode::kPostgresDown:
      return "postgres_down";
    case ErrorCode::kConfig:
      return "bad_config";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

int errorHttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kRepositoryBusy:
      return 409;
    case ErrorCode::kUnrecoverable:
      return 400;
    case ErrorCode::kConfirmRequired:
      return 400;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kCsrfFailed:
      return 403;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kUriTooLong:
      return 414;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kLengthRequired:
      return 411;
    case ErrorCode::kCommandFailed:
      return 500;
    case ErrorCode::kPostgresDown:
      return 503;
    case ErrorCode::kConfig:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace pgbr
