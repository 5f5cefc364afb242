// The recovery target pgBackRest wrote into postgresql.auto.conf, switched off when recovery
// ended before reaching it: Postgres then recovers to the end of the archive and of pg_wal (which
// a restore leaves in place), so the database comes back with everything it had before the
// restore instead of staying down.
#pragma once

#include <string>

namespace pgbr {

// `text` with every active recovery_target, recovery_target_xid / _time / _lsn / _name and
// recovery_target_inclusive line commented out (recovery_target_timeline and _action stay: they
// mean nothing without a target). *disabled counts the lines.
std::string disableRecoveryTargets(const std::string& text, int* disabled);

// The same on PGDATA/postgresql.auto.conf, rewritten in place (owner and mode kept). Returns the
// error, or "" on success; *disabled as above.
std::string disableRecoveryTargetsIn(const std::string& pgdata, int* disabled);

}  // namespace pgbr
