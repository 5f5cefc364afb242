// The settings of a second server (supervisor/replica/): bootstrap from the repository
// (PGBR_BOOTSTRAP*) and the replication role (POSTGRES_REPLICATION_USER / _PASSWORD): their rows
// of the setting table and the check that needs several of them at once.
//
// Policy: POSTGRES_REPLICATION_USER and _PASSWORD (or _FILE) go together (unless
// POSTGRES_HOST_AUTH_METHOD=trust), and the user is not POSTGRES_USER, who can replicate anyway.
// PGBR_BOOTSTRAP is initdb (the default) or restore. The other PGBR_BOOTSTRAP_* settings
// only mean something with restore, so setting one without it is an error rather than a silent
// no-op. The type and target take the forms of POST /api/v1/restore (the same checks), except
// that "latest" (the default) replaces "delta": the newest backup, recovered to the end of the
// archive. A bootstrap always ends promoted, writable.
// PGBR_STANDBY_PRIMARY (host:port, a name allowed) makes a standby: it needs the replication
// role's user (and password unless trust), takes no PGBR_BOOTSTRAP* setting (it restores the
// own stanza's newest backup as a standby), and may not name this server's own port on a
// loopback name (the running standby also checks what the name resolves to).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "supervisor/backrest/command.h"
#include "supervisor/config/setting_table.h"
#include "supervisor/config/settings.h"

namespace pgbr {

std::span<const SettingSpec> replicaSettingSpecs();

// Why the bootstrap or replication settings do not fit together, with the fix; nullopt when they
// do.
std::optional<std::string> checkReplicaSettings(const Settings& settings);

// The restore the bootstrap runs, as the restore API's options: type "delta" for latest, always
// promoting at a target.
backrest::RestoreOptions bootstrapRestoreOptions(const BootstrapSettings& bootstrap);

// True when PGBR_STANDBY_PRIMARY makes this server a standby.
bool isStandby(const Settings& settings);

// The stanza the bootstrap restores from: PGBR_BOOTSTRAP_STANZA, else the supervisor's own.
const std::string& bootstrapSourceStanza(const Settings& settings);

}  // namespace pgbr
