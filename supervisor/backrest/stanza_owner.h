// Whose backups a stanza holds. pgBackRest records the database each stanza was made for (its
// system identifier and major version; the last entry of the stanza's history is the current
// one). A second database pointed at the same repository and stanza (a new data directory on an
// old repository volume, a copied configuration, the 17 image on the 15 image's repository)
// cannot archive or back up into it, and a restore from it would replace that database with the
// other one, whose backups they are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "supervisor/backrest/info.h"

namespace pgbr::backrest {

// The one-line explanation when the stanza's current database is not the local one; nullopt when
// they are the same or either is unknown (no stanza history yet, Postgres not read). The local
// database: pg_control_system()'s system identifier as decimal text and server_version_num
// (150004), 0 when unknown.
std::optional<std::string> stanzaMismatch(const InfoModel& model, std::string_view local_system_id,
                                          int local_version_num);

}  // namespace pgbr::backrest
