// What `pgbackrest repo-ls --output=json` says about the newest archived WAL segment: the time it
// reached the repository. That is the end of the recoverable window as the repository sees it,
// true whether Postgres runs or not (pg_stat_archiver forgets it at every restore and restart).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/clock.h"

namespace pgbr::backrest {

// The folder and filter that list segment `wal` ("000000010000000A000000FF") of archive `id`
// ("15-1") of `stanza`: archive/STANZA/ID/<first 16 characters>, ^<wal>.
struct WalLocation {
  std::string path;
  std::string filter;
};
std::optional<WalLocation> walLocation(std::string_view stanza, std::string_view archive_id,
                                       std::string_view wal);

// The newest "time" among the files of a repo-ls listing ({"name": {"type": "file", "time": N},
// ...}); nullopt when there is none or the text is not such a listing.
std::optional<WallTime> newestFileTime(std::string_view json);

}  // namespace pgbr::backrest
