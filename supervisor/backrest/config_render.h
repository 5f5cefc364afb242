// Rendering conf/pgbackrest.conf: the template of pgBackRest defaults that the supervisor fills
// with its settings at start and writes into its state directory.
//
// Policy: a placeholder is `{{NAME}}` (capital letters, digits, '_'). Rendering fails loudly,
// with ConfigError, on a placeholder without a value, on a malformed one and on a value holding
// a line break or NUL (it would add a line, that is a setting, to pgBackRest's configuration).
// Start-up then stops with one line naming the problem. Values the template does not use are
// fine. The template is built into the binary (defaultConfigTemplate) so an installed supervisor
// needs no file beside it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace pgbr::backrest {

// The placeholders conf/pgbackrest.conf uses; the supervisor provides each of them.
inline constexpr const char* kConfigStateDir = "STATE_DIR";      // PGBR_STATE_DIR
inline constexpr const char* kConfigProcessMax = "PROCESS_MAX";  // parallel processes, >= 1
inline constexpr const char* kConfigStanza = "STANZA";           // PGBR_STANZA
inline constexpr const char* kConfigPgdata = "PGDATA";
inline constexpr const char* kConfigPgPort = "PG_PORT";
inline constexpr const char* kConfigPgSocketDir = "PG_SOCKET_DIR";
inline constexpr const char* kConfigPgUser = "PG_USER";  // POSTGRES_USER

// Replaces every {{NAME}} in `templ` by vars[NAME]. Throws pgbr::ConfigError naming `source`,
// the line and the placeholder when one is unknown or malformed, or a value is unsafe.
std::string renderConfig(std::string_view templ, const std::map<std::string, std::string>& vars,
                         std::string_view source = "pgbackrest.conf template");

// The names of the placeholders in `templ` (malformed ones are left out; renderConfig reports
// them).
std::set<std::string> configPlaceholders(std::string_view templ);

// conf/pgbackrest.conf as it was at build time.
std::string_view defaultConfigTemplate();

}  // namespace pgbr::backrest
