#include "supervisor/config/postgres_args.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "supervisor/common/errors.h"

namespace pgbr {

namespace {

// Postgres folds setting names to lower case and accepts '-' for '_' in `--name=value`.
std::string normalizeName(std::string_view name) {
  std::string result(name);
  for (char& c : result) {
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return result;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

int parsePort(std::string_view value, std::string_view argument) {
  int port = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || port < 1 ||
      port > 65535) {
    throw ConfigError("postgres argument \"" + std::string(argument) +
                      "\": the port must be a number from 1 to 65535");
  }
  return port;
}

// unix_socket_directories is a comma-separated list whose entries may be double-quoted; the
// first entry is where Postgres puts the socket clients look for.
std::string firstSocketDir(std::string_view value) {
  value = trim(value);
  if (!value.empty() && value.front() == '"') {
    const auto close = value.find('"', 1);
    return std::string(
        value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(trim(value.substr(0, value.find(','))));
}

void applySetting(std::string_view assignment, std::string_view argument, PostgresArgFacts& facts) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) return;  // Postgres itself reports the missing value
  const std::string name = normalizeName(assignment.substr(0, eq));
  const std::string_view value = assignment.substr(eq + 1);
  if (name == "port") facts.port = parsePort(trim(value), argument);
  if (name == "unix_socket_directories") facts.socket_dir = firstSocketDir(value);
  if (name == "listen_addresses") facts.listen_addresses = std::string(trim(value));
}

}  // namespace

PostgresArgFacts scanPostgresArgs(const std::vector<std::string>& args) {
  // Options of the postgres binary that take a value (its getopt string is
  // "B:bC:c:D:d:EeFf:h:ijk:lN:nOPp:r:S:sTt:W:-:"). Their value is skipped as a whole, so that
  // `-D /data/-p5` or `-C port` is never read as a port.
  constexpr std::string_view kTakesValue = "BCcDdfhkNprStW";
  PostgresArgFacts facts;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg.starts_with("--")) {
      applySetting(arg.substr(2), arg, facts);
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-' || kTakesValue.find(arg[1]) == std::string_view::npos) {
      continue;
    }
    std::string_view value = arg.substr(2);
    std::string shown(arg);
    if (value.empty()) {
      if (i + 1 == args.size()) break;  // Postgres itself reports the missing value
      value = args[++i];
      shown += " " + std::string(value);
    }
    if (arg[1] == 'c') applySetting(value, shown, facts);
    if (arg[1] == 'p') facts.port = parsePort(value, shown);
    if (arg[1] == 'k') facts.socket_dir = firstSocketDir(value);
    if (arg[1] == 'h') facts.listen_addresses = std::string(trim(value));
  }
  return facts;
}

}  // namespace pgbr
