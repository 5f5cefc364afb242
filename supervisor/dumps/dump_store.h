// Where logical dumps are kept: in the repository the physical backups use, beside pgBackRest's
// own folders (archive/<stanza>, backup/<stanza>) and never inside them, under
// <repo path>/dumps/<stanza>/. The repository is read from the same PGBACKREST_* variables and
// pgbackrest.conf that pgBackRest reads; with several repositories PGBR_DUMP_REPO says which.
#pragma once

#include <memory>
#include <string>

#include "supervisor/config/settings.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

// The store of this stanza's dumps; nullptr with one line in `error` when the repository cannot
// hold them (a type the supervisor does not speak, a setting it cannot honour).
std::unique_ptr<ObjectStore> openDumpStore(const Settings& settings, std::string* error);

}  // namespace pgbr
