// Postgres configuration files (postgresql.conf, postgresql.auto.conf) read the way Postgres'
// own parser reads them, so the supervisor sees the settings Postgres will apply: which file
// already includes the archiving defaults, and which of the user's settings switch archiving
// off. Reading only: nothing here writes a file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgbr {

// One `name = value` line of a Postgres configuration file, as Postgres' own parser reads it:
// names are case-insensitive (returned lower-case), '=' is optional, a value is a quoted string
// ('' and backslash escapes) or a bare word, and '#' starts a comment. nullopt for blank,
// comment-only and malformed lines.
struct ConfEntry {
  std::string name;
  std::string value;
  int line = 0;  // 1-based
};
std::optional<ConfEntry> parseConfLine(std::string_view line);
std::vector<ConfEntry> parseConfText(std::string_view text);

}  // namespace pgbr
