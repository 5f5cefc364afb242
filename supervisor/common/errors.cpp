#include "supervisor/common/errors.h"

#include <array>

namespace pgbr {
namespace {

// Indexed by the enum's value: the static_asserts below keep the table and the enum in step.
constexpr std::array<ErrorCodeInfo, 18> kErrorCodes = {{
    {ErrorCode::kBadRequest, "bad_request", 400},
    {ErrorCode::kUnauthorized, "unauthorized", 401},
    {ErrorCode::kNotFound, "not_found", 404},
    {ErrorCode::kConflict, "conflict", 409},
    {ErrorCode::kRepositoryBusy, "repository_busy", 409},
    {ErrorCode::kUnrecoverable, "unrecoverable_target", 400},
    {ErrorCode::kConfirmRequired, "confirmation_required", 400},
    {ErrorCode::kPayloadTooLarge, "payload_too_large", 413},
    {ErrorCode::kCsrfFailed, "csrf_failed", 403},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405},
    {ErrorCode::kUriTooLong, "uri_too_long", 414},
    {ErrorCode::kHeadersTooLarge, "headers_too_large", 431},
    {ErrorCode::kLengthRequired, "length_required", 411},
    {ErrorCode::kCommandFailed, "command_failed", 500},
    {ErrorCode::kPostgresDown, "postgres_down", 503},
    {ErrorCode::kRestorePointExists, "restore_point_exists", 409},
    {ErrorCode::kArchiveTimeout, "archive_timeout", 504},
    {ErrorCode::kInternal, "internal", 500},
}};

static_assert(kErrorCodes.size() == static_cast<size_t>(ErrorCode::kInternal) + 1,
              "every ErrorCode has one row in kErrorCodes");

constexpr bool indexedByCode() {
  for (size_t i = 0; i < kErrorCodes.size(); ++i) {
    if (static_cast<size_t>(kErrorCodes[i].code) != i) return false;
  }
  return true;
}
static_assert(indexedByCode(), "kErrorCodes lists the codes in the enum's order");

}  // namespace

std::span<const ErrorCodeInfo> allErrorCodes() {
  return kErrorCodes;
}

std::string_view errorCodeName(ErrorCode code) {
  return kErrorCodes.at(static_cast<size_t>(code)).name;
}

int errorHttpStatus(ErrorCode code) {
  return kErrorCodes.at(static_cast<size_t>(code)).http_status;
}

}  // namespace pgbr
