// What of the configuration may be shown, in the API's configuration dump and anywhere else a
// setting is echoed. Policy: a value whose name says it is secret (KEY, SECRET, PASS, TOKEN or
// CIPHER, any case) never leaves the process; neither does a password inside a postgres
// argument. The dump is built from the setting table, so every setting is listed with its
// default and where its value came from.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/config/settings.h"

namespace pgbr {

// True for a variable name that holds a secret: it contains KEY, SECRET, PASS, TOKEN or CIPHER
// (any case), which covers POSTGRES_PASSWORD, PGBR_API_TOKEN and pgBackRest's S3 keys and
// cipher pass.
bool isSecretName(std::string_view name);

inline constexpr std::string_view kRedacted = "(redacted)";

// A copy that may be shown: every non-empty secret (password, token, secret PGBACKREST_*
// variables, secret-looking postgres arguments) replaced by "(redacted)".
Settings redacted(const Settings& settings);

// The effective configuration for the API, built from redacted(settings):
// {"settings": {"PGBR_STANZA": {"value", "default", "source", "flag", "secret"}, ...},
//  "postgres": {"args", "port", "socket_dir"},
//  "pgbackrest": {"config", "config_rendered", "env": {"PGBACKREST_...": "..."}}}
nlohmann::json redactedSettingsJson(const Settings& settings);

}  // namespace pgbr
