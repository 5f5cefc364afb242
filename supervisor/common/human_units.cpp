// human_units.h.
#include "supervisor/common/human_units.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace pgbr {

std::string humanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0 || value >= 100)
    std::snprintf(text, sizeof text, "%.0f %s", value, kUnits[unit]);
  else
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string humanDuration(Seconds span) {
  const int64_t s = std::max<int64_t>(0, span.count());
  if (s < 120) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min";
  const int64_t m = (s % 3600) / 60;
  return std::to_string(s / 3600) + " h" + (m ? " " + std::to_string(m) + " min" : "");
}

}  // namespace pgbr
