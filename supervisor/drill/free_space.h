// Whether a disk can hold a scratch copy of the database: decided before a drill (or a rehearsed
// restore) starts, so a copy never fills the disk the live database may share.
//
// Rule: the copy needs the database's size (pgbackrest info's "size" of the backup) plus room for
// the WAL recovery fetches and the copy writes (10 % of the database, at least 256 MiB); after
// that, the filesystem must still have 5 % of its capacity (at least 1 GiB) free for the live
// database. A size of 0 (unknown) needs the headroom and the reserve only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "supervisor/common/human_units.h"

namespace pgbr {

struct SpaceFacts {
  uint64_t database_bytes = 0;   // what the copy restores
  uint64_t available_bytes = 0;  // free at the scratch folder, for an unprivileged user
  uint64_t capacity_bytes = 0;   // size of that filesystem
};

struct SpaceDecision {
  bool ok = false;
  uint64_t needed_bytes = 0;     // the copy with its headroom
  uint64_t reserve_bytes = 0;    // left free for the live database
  uint64_t available_bytes = 0;  // as measured
  std::string reason;            // why not, one lowercase line naming the fix; empty when ok
};

SpaceDecision decideSpace(const SpaceFacts& facts, const std::string& where);

// Free and total bytes of the filesystem holding `path` (or its nearest existing parent).
struct SpaceMeasure {
  uint64_t available_bytes = 0;
  uint64_t capacity_bytes = 0;
  std::string error;  // empty on success
};
SpaceMeasure measureSpace(const std::filesystem::path& path);

}  // namespace pgbr
