// RFC 3339 formatting and parsing of wall times, always in UTC ("2026-11-22T10:00:00Z"): the
// API's times, job history on disk and log lines all use this one format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/clock.h"

namespace pgbr {

std::string formatRfc3339(WallTime t);
std::string formatRfc3339Millis(WallTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)". Returns nullopt on anything else,
// including impossible dates (Feb 30, hour 24).
std::optional<WallTime> parseRfc3339(std::string_view text);

}  // namespace pgbr
