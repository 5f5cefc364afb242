// How the text of one setting becomes a value in Settings, and how that value is shown again:
// the parsers and printers the rows of the setting table (setting_table.h) point at.
//
// Policy: a parser takes the whole text or refuses it. A refusal is a lowercase reason that
// quotes the text and says what to set instead ("\"10x\" is not a whole number; set a whole
// number from 1 to 3600"); the caller prefixes the variable or flag it came from. Nothing is
// read generously: "10s", " 10" and "+10" are refused rather than guessed at. A parser of a
// secret never quotes the text.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "supervisor/config/settings.h"

namespace pgbr::setting_values {

// nullopt when the text was accepted, else the reason with the fix.
using Reason = std::optional<std::string>;

// `text` in double quotes, for messages.
std::string quotedText(std::string_view text);

// Whole decimal numbers from `min` to `max` only; `unit` completes the hint (" of seconds").
Reason parseWhole(const std::string& text, long long min, long long max, std::string_view unit,
                  long long* out);
Reason checkAbsolute(const std::string& value);
// A 5-field cron expression or an @macro; "" (disabled) is accepted.
Reason checkSchedule(const std::string& value);

template <auto Field, long long Min, long long Max>
Reason applyNumber(Settings& settings, const std::string& value) {
  long long parsed = 0;
  if (auto reason = parseWhole(value, Min, Max, "", &parsed)) return reason;
  settings.*Field = static_cast<std::remove_reference_t<decltype(settings.*Field)>>(parsed);
  return std::nullopt;
}

template <auto Field, long long Min, long long Max>
Reason applySeconds(Settings& settings, const std::string& value) {
  long long parsed = 0;
  if (auto reason = parseWhole(value, Min, Max, " of seconds", &parsed)) return reason;
  settings.*Field = std::chrono::seconds(parsed);
  return std::nullopt;
}

template <auto Field>
std::string showNumber(const Settings& settings) {
  return std::to_string(settings.*Field);
}

template <auto Field>
std::string showSeconds(const Settings& settings) {
  return std::to_string((settings.*Field).count());
}

template <auto Field>
std::string showString(const Settings& settings) {
  return settings.*Field;
}

template <auto Field>
Reason applyAbsolutePath(Settings& settings, const std::string& value) {
  if (auto reason = checkAbsolute(value)) return reason;
  settings.*Field = value;
  return std::nullopt;
}

template <auto Field>
Reason applySchedule(Settings& settings, const std::string& value) {
  if (auto reason = checkSchedule(value)) return reason;
  settings.*Field = value;
  return std::nullopt;
}

// on/off (also true/false, yes/no, 1/0, as Postgres reads a boolean), any case.
template <auto Field>
Reason applyOnOff(Settings& settings, const std::string& value);
template <auto Field>
std::string showOnOff(const Settings& settings) {
  return settings.*Field ? "on" : "off";
}
std::optional<bool> parseOnOff(std::string_view text);

template <auto Field>
Reason applyOnOff(Settings& settings, const std::string& value) {
  const std::optional<bool> parsed = parseOnOff(value);
  if (!parsed) return quotedText(value) + " is not on or off; set on or off";
  settings.*Field = *parsed;
  return std::nullopt;
}

// PGBR_DRILL_DIR: an absolute path; where it may not be is checked once the data and state
// folders are known (config.cpp), since the drill empties its sub-folders.
Reason applyDrillDir(Settings& settings, const std::string& value);
std::string showDrillDir(const Settings& settings);

// PGBR_DUMP_DATABASES: names separated by commas (spaces around them dropped).
Reason applyDumpDatabases(Settings& settings, const std::string& value);
std::string showDumpDatabases(const Settings& settings);

// One setting each; the row in the setting table says which variable and flag.
Reason applyStanza(Settings& settings, const std::string& value);
Reason applyUser(Settings& settings, const std::string& value);
Reason applyPgbackrestBin(Settings& settings, const std::string& value);
Reason applyListen(Settings& settings, const std::string& value);
Reason applyToken(Settings& settings, const std::string& value);
Reason applyAuth(Settings& settings, const std::string& value);
std::string showAuth(const Settings& settings);
Reason applyLogFormat(Settings& settings, const std::string& value);
std::string showLogFormat(const Settings& settings);
Reason applyLogLevel(Settings& settings, const std::string& value);
Reason applyPgPort(Settings& settings, const std::string& value);
std::string showPgPort(const Settings& settings);
Reason applyHostAuthMethod(Settings& settings, const std::string& value);
Reason applyPgListen(Settings& settings, const std::string& value);

}  // namespace pgbr::setting_values
