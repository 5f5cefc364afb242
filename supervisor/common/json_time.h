// Times in JSON answers: RFC 3339 UTC text, or null when unknown.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/common/time_format.h"

namespace pgbr {

inline nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace pgbr
