// The one table of the supervisor's settings. Each row says where a setting comes from (its
// environment variable, its flag, its `_FILE` form), what --help tells about it, how its text is
// parsed and checked, and how its value is shown. Parsing, --help and the redacted dump of the
// effective configuration all walk this table, so they cannot disagree: a setting added here is
// parsed, documented and shown; one missing here exists nowhere. The parsers and printers the
// rows point at are in setting_values.h.
//
// Policy for empty values: an empty variable of the stock image (POSTGRES_*) counts as unset,
// as in the stock entrypoint; an empty schedule disables that schedule; any other empty value is
// a mistake (a compose file interpolating an unset variable) and stops start-up.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "supervisor/config/settings.h"

namespace pgbr {

enum class EmptyValue {
  kError,       // "" is refused with a message
  kUnset,       // "" means "not set": the default applies
  kMeaningful,  // "" is a value (an empty schedule disables it)
};

struct SettingSpec {
  std::string_view env = {};        // "PGBR_STANZA"
  std::string_view flag = {};       // "--stanza"; empty: environment only
  std::string_view file_env = {};   // "PGBR_API_TOKEN_FILE"; empty: no _FILE form
  std::string_view file_flag = {};  // "--api-token-file"; empty: none
  std::string_view metavar = {};    // what the value looks like in --help: "NAME", "SECONDS"
  std::string_view help = {};       // one line, lowercase
  // What --help prints as the default when it is not simply show(Settings{}), for defaults that
  // depend on other settings ("value of POSTGRES_USER").
  std::string_view default_text = {};
  EmptyValue empty = EmptyValue::kError;
  bool secret = false;  // never shown, never echoed in an error message
  // Parses and checks `value` into `settings`. Returns nullopt when accepted, else a lowercase
  // reason with the fix; the caller prefixes it with where the value came from.
  std::optional<std::string> (*apply)(Settings& settings, const std::string& value) = nullptr;
  // The effective value as it would be written in the environment.
  std::string (*show)(const Settings& settings) = nullptr;
};

std::span<const SettingSpec> settingTable();

// The row whose env, file_env, flag or file_flag is `name`; nullptr when none.
const SettingSpec* findSettingByEnv(std::string_view name);
const SettingSpec* findSettingByFlag(std::string_view flag);

// What --help and the dump print as the default of `spec`.
std::string defaultText(const SettingSpec& spec);

}  // namespace pgbr
