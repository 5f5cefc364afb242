#include "supervisor/config/command_line.h"

#include <algorithm>
#include <cctype>

#include "supervisor/common/errors.h"
#include "supervisor/config/setting_table.h"

namespace pgbr {

namespace {

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string_view> knownFlags() {
  std::vector<std::string_view> flags = {"--help", "--version"};
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) flags.push_back(spec.flag);
    if (!spec.file_flag.empty()) flags.push_back(spec.file_flag);
  }
  return flags;
}

}  // namespace

std::string nearestHint(std::string_view name, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_distance = 4;  // more edits than this is another word, not a typo
  for (std::string_view candidate : known) {
    const std::size_t distance = editDistance(upper(name), upper(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? std::string() : "did you mean " + std::string(best) + "? ";
}

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  bool healthcheck = false;
  bool restore_point = false;
  bool client = false;  // databases, dumps: every word after it is the command's
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      line.command = Command::kHelp;
      return line;
    }
    if (arg == "--version") {
      line.command = Command::kVersion;
      return line;
    }
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      // Only the part before '=' is ever echoed: the value may be a secret.
      const std::string flag = arg.substr(0, eq);
      if (flag == "--api-token") {
        throw ConfigError(
            "there is no --api-token flag: a secret on a command line shows in ps; set "
            "PGBR_API_TOKEN, PGBR_API_TOKEN_FILE or --api-token-file instead");
      }
      if (findSettingByFlag(flag) == nullptr) {
        throw ConfigError("unknown flag " + flag + "; " + nearestHint(flag, knownFlags()) +
                          "a postgres option goes after the command, as in `" +
                          std::string(kProgram) + " postgres -c name=value`; see --help");
      }
      if (eq != std::string::npos) {
        line.flags[flag] = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        line.flags[flag] = args[++i];
      } else {
        throw ConfigError(flag + " needs a value: " + flag + " VALUE or " + flag + "=VALUE");
      }
      continue;
    }
    if (healthcheck) {
      throw ConfigError("healthcheck takes no arguments, got \"" + arg +
                        "\"; put flags such as --api-listen before or after it");
    }
    if (client) {
      line.rest.push_back(arg);
      continue;
    }
    if (restore_point) {
      if (!line.rest.empty()) {
        throw ConfigError("restore-point takes one name, got a second argument \"" + arg +
                          "\"; put flags such as --state-dir before or after it");
      }
      line.rest.push_back(arg);
      continue;
    }
    if (arg == "healthcheck") {
      healthcheck = true;
      continue;
    }
    if (arg == "restore-point") {
      restore_point = true;
      continue;
    }
    if (arg == "databases" || arg == "dumps" || arg == "promote") {
      client = true;
      line.command = arg == "databases" ? Command::kDatabases
                     : arg == "dumps"   ? Command::kDumps
                                        : Command::kPromote;
      continue;
    }
    break;  // the command, or the first postgres argument
  }
  if (healthcheck) {
    line.command = Command::kHealthcheck;
    return line;
  }
  if (client) return line;
  if (restore_point) {
    if (line.rest.empty()) {
      throw ConfigError("restore-point needs a name: " + std::string(kProgram) +
                        " restore-point NAME, for example before-deploy-42");
    }
    line.command = Command::kRestorePoint;
    return line;
  }
  if (i == args.size()) return line;  // no command means postgres
  const std::string& word = args[i];
  if (word == "postgres") {
    line.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  } else if (word.starts_with("-")) {
    // The stock entrypoint turns `docker run IMAGE -c key=value` into `postgres -c key=value`.
    line.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  } else {
    line.command = Command::kExec;
    line.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  }
  return line;
}

}  // namespace pgbr
