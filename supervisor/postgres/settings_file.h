// The Postgres settings archiving depends on (wal_level, archive_mode, archive_command,
// archive_timeout) and where Postgres listens (listen_addresses, from PGBR_PG_LISTEN), applied
// without taking a single setting away from the user.
//
// Policy: the defaults live in a template (conf/postgresql.conf, embedded at build time) that is
// rendered at every start into $PGDATA/pgbr-supervisor.conf, written atomically with mode 0600.
// postgresql.conf gets `include_if_exists = 'pgbr-supervisor.conf'` once, as its first setting;
// Postgres lets the last value it reads win, so everything the user wrote further down in
// postgresql.conf, with ALTER SYSTEM (postgresql.auto.conf) or with -c on the command line still
// wins. That is the same on a fresh data directory and on one from the stock image that never
// archived. When the user's own settings switch archiving off, the supervisor does not override
// them: it returns warnings the caller logs.
//
// Call applySupervisorConf after dropping privileges: the files it writes must belong to the
// user Postgres runs as. The configuration files are read with conf_parser.h, as Postgres reads
// them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/config/settings.h"

namespace pgbr {

inline constexpr std::string_view kSupervisorConfName = "pgbr-supervisor.conf";
inline constexpr std::string_view kArchiveCommandPlaceholder = "{{ARCHIVE_COMMAND}}";
inline constexpr std::string_view kListenAddressesPlaceholder = "{{LISTEN_ADDRESSES}}";

// conf/postgresql.conf as it was at build time.
std::string_view defaultConfTemplate();

// The archive_command Postgres runs through /bin/sh:
//   <pgbackrest-bin> --config=<conf> --stanza=<stanza> archive-push %p
// Each of the three values is single-quoted for the shell when it holds anything but plain
// path characters, and '%' is doubled because Postgres expands %p, %f and %% in the command.
std::string buildArchiveCommand(std::string_view pgbackrest_bin, std::string_view config,
                                std::string_view stanza);
// A word as the shell reads it back: unchanged when it is made of [A-Za-z0-9_@%+=:,./-] only,
// else wrapped in single quotes with each ' written as '\''.
std::string shellQuote(std::string_view word);
// The inside of a postgresql.conf single-quoted string: ' and \ doubled (the conf parser reads
// backslash escapes too).
std::string escapeConfString(std::string_view value);

// Replaces every {{ARCHIVE_COMMAND}} in the template with the escaped command, and every
// {{LISTEN_ADDRESSES}} with the escaped addresses.
std::string renderConfTemplate(std::string_view tmpl, std::string_view archive_command,
                               std::string_view listen_addresses = "localhost");
// The template rendered for these settings (pgbackrest_bin, pgbackrest_config, stanza,
// pg_listen).
std::string renderSupervisorConf(const Settings& settings);

// postgresql.conf text with the include placed first: unchanged when an include (or
// include_if_exists) of pgbr-supervisor.conf is already there, wherever the user put it;
// otherwise a comment line and the include are put at the very top.
struct IncludeEdit {
  std::string text;
  bool changed = false;
};
IncludeEdit ensureIncludeFirst(std::string_view conf_text);

// Warnings for user settings that switch archiving off or away from pgBackRest, in the order
// Postgres applies them: postgresql.conf (include directives are not followed), then
// postgresql.auto.conf, then the command line (-c name=value, --name=value); the last wins.
// Each warning names the setting, where it was set and what to do.
std::vector<std::string> archivingWarnings(std::string_view postgresql_conf,
                                           std::string_view auto_conf,
                                           const std::vector<std::string>& postgres_args);

struct ApplyConfResult {
  std::string error;  // lowercase, one line; empty on success
  bool include_added = false;
  std::vector<std::string> warnings;
  bool ok() const { return error.empty(); }
};
// Writes the rendered defaults to <pgdata>/pgbr-supervisor.conf, ensures the include in
// <pgdata>/postgresql.conf (rewritten atomically with its mode kept; a symlinked postgresql.conf
// is left alone with a warning), and returns the archiving warnings.
ApplyConfResult applySupervisorConf(const std::filesystem::path& pgdata, std::string_view rendered,
                                    const std::vector<std::string>& postgres_args);

}  // namespace pgbr
