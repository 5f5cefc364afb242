// Folders a child writes to as the run user (pgBackRest's lock, log and spool folders), made
// ready while the supervisor is still root and checked after it dropped to that user, so a
// folder the user cannot write stops start-up with one line instead of failing every archive-push
// with "Permission denied".
//
// Policy: only what is missing or plainly meant for the run user is touched. A missing folder is
// created: its new parents root-owned with mode 0755 (traversable, whatever the umask), the
// folder itself given to the user. An existing folder is given to the user only when it is empty
// (made beforehand, for example with `mkdir -p`); in one the user owns, whatever is not the
// user's is given back (files left by a pgbackrest run as root). Anything else, such as a shared
// folder like /tmp or /var/log, is left as it is and the check decides.
//
// `setting` is what a message names (PGBACKREST_LOCK_PATH): the one thing the reader can change.
#pragma once

#include <string>

#include "supervisor/os/identity.h"

namespace pgbr {

// As root, before dropping privileges. Returns "" or one line naming the setting.
std::string prepareFolder(const std::string& setting, const std::string& path, const UserInfo& user,
                          unsigned mode);

// As the run user (after dropping privileges, or when started as that user): a missing folder is
// created, then it must be a folder this process can enter and write. Returns "" or one line
// naming the setting and what to do.
std::string checkFolderWritable(const std::string& setting, const std::string& path);

}  // namespace pgbr
