// The one registry of error codes the supervisor reports, through the API and in logs. Expected
// failures (bad input, a busy repository, pgBackRest exiting non-zero) travel as an Error value;
// broken invariants are bugs and assert.
//
// This list is the source of truth: the README's list of codes and the OpenAPI document's
// `Error.code` enum are checked against allErrorCodes() by tests/unit/api/error_docs_test.cpp.
// Bad configuration is not an API error: it stops start-up (ConfigError below).
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace pgbr {

enum class ErrorCode {
  kBadRequest,       // malformed input: JSON, fields, types, dates
  kUnauthorized,     // missing or wrong token
  kNotFound,         // no such job, backup, process or route
  kConflict,         // state forbids it now (process already running, ...)
  kRepositoryBusy,   // another repository-changing job runs
  kUnrecoverable,    // restore target outside the recoverable window
  kConfirmRequired,  // restore without the right confirmation
  kPayloadTooLarge,
  kCsrfFailed,  // cookie session without the matching X-CSRF-Token header
  kMethodNotAllowed,
  kUriTooLong,
  kHeadersTooLarge,
  kLengthRequired,      // a chunked request body (bodies must carry a Content-Length)
  kCommandFailed,       // a child (pgbackrest, initdb, psql) exited non-zero
  kPostgresDown,        // Postgres does not accept connections
  kRestorePointExists,  // a restore point of that name is already recorded
  kArchiveTimeout,      // WAL did not reach the repository in time
  kInternal,            // the last: allErrorCodes() counts up to it
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;  // stable machine-readable name used in JSON ("repository_busy")
  int http_status;
};

// Every code with its name and HTTP status, in the enum's order.
std::span<const ErrorCodeInfo> allErrorCodes();
std::string_view errorCodeName(ErrorCode code);
int errorHttpStatus(ErrorCode code);

struct Error {
  Error() = default;
  Error(ErrorCode c, std::string m, std::string job = {})
      : code(c), message(std::move(m)), job_id(std::move(job)) {}
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // lowercase, says what failed and what to do
  std::string job_id;   // for kRepositoryBusy: the job that holds the repository
};

// What an operation that can fail as expected returns: its result or the Error.
template <typename T>
using Outcome = std::variant<T, Error>;

// Thrown only while loading configuration: main() prints what() as one line and exits 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pgbr
