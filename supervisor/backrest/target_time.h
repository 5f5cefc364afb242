// Point-in-time restore targets given as a time: which spellings are accepted, the instant they
// name, and the one form handed to pgBackRest's --target.
//
// Policy:
// - Accepted: what Postgres prints (`select now()` gives "2026-12-05 08:07:40.767967+00", which
//   is also how pgBackRest's user guide writes --target) and RFC 3339 alike: date and time
//   separated by a space or `T`, 1 to 6 fraction digits (Postgres keeps microseconds), and an
//   offset written `Z`, `+00`, `+0530` or `+05:30` (or with `-`). Spaces around the text are
//   ignored (psql's output starts with one).
// - A time without an offset is refused, never shifted: pgBackRest and Postgres would read it in
//   the server's time zone, which in a container is rarely the one the person meant.
// - pgBackRest gets the same instant in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]+00": a form both its
//   own parser (which picks the backup set by time) and Postgres' recovery_target_time read the
//   same way, whatever the server's time zone.
// - Refusals are lowercase, name the field and show the accepted forms.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/clock.h"

namespace pgbr::backrest {

// The accepted forms, for messages, the OpenAPI document and the dashboard.
inline constexpr std::string_view kTargetTimeForms =
    "2026-12-05 08:07:40.767967+00 (as psql prints it) or 2026-12-05T08:07:40Z (RFC 3339); the "
    "offset may be Z, +00, +0530 or +05:30, the fraction 1 to 6 digits";

// The instant `text` names, to the microsecond. nullopt with *error (may be null) when the text
// is not one of the accepted forms or not a real date and time.
std::optional<WallTime> targetTimeInstant(std::string_view text, std::string* error);

// `instant` as pgBackRest's --target gets it: "2026-12-05 08:07:40.767967+00", the fraction
// without trailing zeros and left out when zero.
std::string formatTargetTime(WallTime instant);

// formatTargetTime(targetTimeInstant(text)): what restoreCommand passes on.
std::optional<std::string> normalizeTargetTime(std::string_view text, std::string* error);

}  // namespace pgbr::backrest
