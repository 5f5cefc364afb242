// Turns request bodies and query parameters into the service's request values, or into a
// bad_request error whose message names the field. Strict on purpose: malformed JSON, a body that
// is not an object, unknown fields, wrong types, missing required fields, control characters and
// impossible dates are refused here, so a bad request never reaches the service or a child
// process. Text that looks like shell or SQL is just text: it is checked for shape (length,
// control characters) and handed on verbatim as one value, never interpreted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/service/service.h"

namespace pgbr::api {

// JSON text for an answer. Invalid UTF-8 (a label or name echoed from the URL) is replaced rather
// than thrown on.
std::string jsonText(const nlohmann::json& value);

// POST /api/v1/backups: {"type": "full"|"diff"|"incr", "annotation": {"key": "value"}}.
Outcome<BackupRequest> parseBackupRequest(std::string_view body);

// POST /api/v1/restore: {"type", "target", "set", "target_action", "db_include", "confirm"}.
// Checks what the type needs (a time target is a real date and time with an offset, as psql
// prints it or RFC 3339: see supervisor/backrest/target_time.h; an LSN looks like "0/3000028", an
// xid is a number, set needs "set"); the service checks the rest (confirm equals the stanza, the
// target lies in the recoverable window).
Outcome<RestoreRequest> parseRestoreRequest(std::string_view body);

// POST /api/v1/session: {"token": "..."}.
Outcome<std::string> parseSessionRequest(std::string_view body);

// POST /api/v1/restore-points: {"name": "..."}; the name's own rules are checked by the service.
Outcome<std::string> parseRestorePointRequest(std::string_view body);

// POST /api/v1/promote: {"confirm": "<stanza>"}; an empty body or no field gives "" (the service
// then says what the confirmation must be).
Outcome<std::string> parsePromoteRequest(std::string_view body);

// A query parameter that must be a whole number from 0 to `max` ("tail", "limit", "after").
// An absent parameter (nullopt text) gives `fallback`; a larger number is clamped to `max`.
Outcome<uint64_t> parseCount(std::string_view name, std::optional<std::string_view> text,
                             uint64_t fallback, uint64_t max);

// A query flag ("follow"): absent, "0", "false" -> false; "1", "true", "" -> true.
Outcome<bool> parseFlag(std::string_view name, std::optional<std::string_view> text);

}  // namespace pgbr::api
