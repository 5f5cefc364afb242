// Sizes and spans as people read them in messages: "12 MiB", "3.4 GiB", "45 s", "3 h 5 min".
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/common/clock.h"

namespace pgbr {

// Binary units, one decimal below 100: "512 B", "12.5 MiB", "340 GiB".
std::string humanBytes(uint64_t bytes);
// Seconds below two minutes, then minutes, then hours and minutes: "45 s", "12 min", "3 h 5 min".
std::string humanDuration(Seconds span);

}  // namespace pgbr
