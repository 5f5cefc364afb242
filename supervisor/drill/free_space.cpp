#include "supervisor/drill/free_space.h"

#include <algorithm>
#include <cstdio>

namespace pgbr {

namespace {
constexpr uint64_t kMiB = 1024ULL * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kMinHeadroom = 256 * kMiB;
constexpr uint64_t kMinReserve = kGiB;
}  // namespace

SpaceDecision decideSpace(const SpaceFacts& facts, const std::string& where) {
  SpaceDecision d;
  d.available_bytes = facts.available_bytes;
  d.needed_bytes = facts.database_bytes + std::max(kMinHeadroom, facts.database_bytes / 10);
  d.reserve_bytes = std::max(kMinReserve, facts.capacity_bytes / 20);
  const bool fits = facts.available_bytes >= d.needed_bytes &&
                    facts.available_bytes - d.needed_bytes >= d.reserve_bytes;
  d.ok = fits;
  if (!fits) {
    d.reason = "not enough free space at " + where + ": a copy of the database needs about " +
               humanBytes(d.needed_bytes) + " (" + humanBytes(facts.database_bytes) +
               " of data and room for WAL) and " + humanBytes(d.reserve_bytes) +
               " must stay free for the live database, but " + humanBytes(facts.available_bytes) +
               " are free; free some space or set PGBR_DRILL_DIR to a folder on a larger disk";
  }
  return d;
}

SpaceMeasure measureSpace(const std::filesystem::path& path) {
  SpaceMeasure m;
  std::filesystem::path probe = path;
  std::error_code ec;
  while (!probe.empty() && !std::filesystem::exists(probe, ec)) {
    if (probe == probe.parent_path()) break;
    probe = probe.parent_path();
  }
  const std::filesystem::space_info info = std::filesystem::space(probe, ec);
  if (ec) {
    m.error = "cannot measure the free space at " + probe.string() + ": " + ec.message();
    return m;
  }
  m.available_bytes = info.available;
  m.capacity_bytes = info.capacity;
  return m;
}

}  // namespace pgbr
