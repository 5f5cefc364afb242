#include "supervisor/config/config.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>
#include <sstream>

#include "pgbr_version.h"
#include "supervisor/common/errors.h"
#include "supervisor/config/listen_address.h"
#include "supervisor/config/postgres_args.h"
#include "supervisor/config/setting_table.h"

namespace pgbr {

namespace {

constexpr std::string_view kProgram = "pgbr-supervisor";

struct CommandLine {
  Command command = Command::kRun;
  std::map<std::string, std::string> flags;  // flag ("--stanza") -> value; the last one given wins
  std::vector<std::string> rest;             // postgres arguments, or the exec'd command
};

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

// " did you mean X?" for the closest known name, when it is close enough to be a typo.
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

std::vector<std::string_view> knownFlags() {
  std::vector<std::string_view> flags = {"--help", "--version"};
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) flags.push_back(spec.flag);
    if (!spec.file_flag.empty()) flags.push_back(spec.file_flag);
  }
  return flags;
}

std::vector<std::string_view> knownVariables() {
  std::vector<std::string_view> names;
  for (const SettingSpec& spec : settingTable()) {
    names.push_back(spec.env);
    if (!spec.file_env.empty()) names.push_back(spec.file_env);
  }
  return names;
}

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  bool healthcheck = false;
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
    if (arg == "healthcheck") {
      healthcheck = true;
      continue;
    }
    break;  // the command, or the first postgres argument
  }
  if (healthcheck) {
    line.command = Command::kHealthcheck;
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

void checkUnknownVariables(const Environment& env) {
  std::vector<std::string> names = env.names();
  std::sort(names.begin(), names.end());  // the same variable is reported on every run
  const std::vector<std::string_view> known = knownVariables();
  for (const std::string& name : names) {
    if (!name.starts_with("PGBR_")) continue;
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    throw ConfigError("unknown setting " + name + "; " + nearestHint(name, known) +
                      "remove it or fix its name (" + std::string(kProgram) +
                      " --help lists every PGBR_ variable)");
  }
}

// $(< file) in the stock entrypoint drops every trailing newline; files written by `echo` or an
// editor end with one that is not part of the secret.
std::string stripTrailingNewlines(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string readSettingFile(const std::string& origin, const std::string& path,
                            const SettingSpec& spec, const FileReader& files) {
  std::string error;
  std::optional<std::string> content = files.read(path, &error);
  if (!content) {
    throw ConfigError(origin + ": cannot read " + path + ": " + error +
                      "; mount the file there or fix the path");
  }
  std::string value = stripTrailingNewlines(std::move(*content));
  if (value.empty() && spec.secret) {
    throw ConfigError(origin + ": " + path + " is empty; put the secret in that file");
  }
  return value;
}

struct RawValue {
  std::string text;
  std::string origin;  // what an error names: "PGBR_STANZA", "--stanza", "PGBR_API_TOKEN_FILE"
  std::string source;  // "flag", "env" or "file"
};

std::optional<RawValue> findRawValue(const SettingSpec& spec, const CommandLine& line,
                                     const Environment& env, const FileReader& files) {
  if (!spec.flag.empty()) {
    if (auto it = line.flags.find(std::string(spec.flag)); it != line.flags.end()) {
      return RawValue{it->second, std::string(spec.flag), "flag"};
    }
  }
  if (!spec.file_flag.empty()) {
    if (auto it = line.flags.find(std::string(spec.file_flag)); it != line.flags.end()) {
      const std::string origin(spec.file_flag);
      if (it->second.empty()) throw ConfigError(origin + " is empty; give the path of a file");
      return RawValue{readSettingFile(origin, it->second, spec, files), origin, "flag"};
    }
  }
  const std::optional<std::string> value = env.get(spec.env);
  std::optional<std::string> path;
  if (!spec.file_env.empty()) path = env.get(spec.file_env);
  // As in the stock entrypoint's file_env, an empty variable does not count as set.
  const bool value_set = value && (!value->empty() || spec.empty != EmptyValue::kUnset);
  const bool path_set = path && !path->empty();
  if (value_set && path_set) {
    throw ConfigError("both " + std::string(spec.env) + " and " + std::string(spec.file_env) +
                      " are set; set only one of them");
  }
  if (path_set) {
    const std::string origin(spec.file_env);
    return RawValue{readSettingFile(origin, *path, spec, files), origin, "file"};
  }
  if (value_set) return RawValue{*value, std::string(spec.env), "env"};
  return std::nullopt;
}

void applySetting(const SettingSpec& spec, const RawValue& raw, Settings& settings) {
  if (raw.text.empty() && spec.empty == EmptyValue::kError) {
    throw ConfigError(raw.origin + " is empty; set a value or leave it unset for the default (" +
                      defaultText(spec) + ")");
  }
  if (raw.text.empty() && spec.empty == EmptyValue::kUnset) return;
  if (std::optional<std::string> reason = spec.apply(settings, raw.text)) {
    throw ConfigError(raw.origin + ": " + *reason);
  }
  settings.sources[std::string(spec.env)] = raw.source;
}

void loadPgbackrestEnv(const Environment& env, Settings& settings) {
  for (const std::string& name : env.names()) {
    if (!name.starts_with("PGBACKREST_")) continue;
    settings.pgbackrest_env[name] = env.get(name).value_or("");
  }
  const auto config = settings.pgbackrest_env.find("PGBACKREST_CONFIG");
  if (config != settings.pgbackrest_env.end() && !config->second.empty()) {
    if (config->second.front() != '/') {
      throw ConfigError("PGBACKREST_CONFIG: \"" + config->second +
                        "\" is a relative path; use an absolute path (pgbackrest runs from "
                        "other directories)");
    }
    settings.pgbackrest_config = config->second;
    settings.pgbackrest_config_rendered = false;
  } else {
    settings.pgbackrest_config = settings.state_dir + "/pgbackrest.conf";
    settings.pgbackrest_config_rendered = true;
  }
  // pgBackRest would read PGBACKREST_STANZA itself while the supervisor passes --stanza: two
  // names for one thing that could silently disagree.
  const auto stanza = settings.pgbackrest_env.find("PGBACKREST_STANZA");
  if (stanza != settings.pgbackrest_env.end() && stanza->second != settings.stanza) {
    throw ConfigError("PGBACKREST_STANZA=" + stanza->second + " disagrees with PGBR_STANZA=" +
                      settings.stanza + "; set the stanza with PGBR_STANZA only");
  }
}

void applyPostgresArgs(const std::vector<std::string>& args, Settings& settings) {
  settings.postgres_args = args;
  const PostgresArgFacts facts = scanPostgresArgs(args);
  if (facts.port) {
    settings.pg_port = *facts.port;
    settings.sources["PGPORT"] = "postgres args";
  }
  if (facts.socket_dir) settings.pg_socket_dir = *facts.socket_dir;
}

std::vector<std::string> notesFor(const Settings& settings) {
  std::vector<std::string> notes;
  if (settings.api_auth == AuthMode::kNone) {
    notes.push_back("api authentication is off (PGBR_API_AUTH=none): anyone who reaches " +
                    settings.api_listen + " can start backups and restores");
    if (!settings.api_token.empty()) {
      notes.push_back("an api token is set but not used, because PGBR_API_AUTH=none");
    }
  }
  return notes;
}

}  // namespace

Invocation loadInvocation(const std::vector<std::string>& args, const Environment& env,
                          const FileReader& files) {
  CommandLine line = parseCommandLine(args);
  Invocation invocation;
  invocation.command = line.command;
  if (line.command == Command::kHelp || line.command == Command::kVersion) return invocation;

  const MapEnvironment no_environment;
  const bool read_env = line.command != Command::kExec;
  const Environment& source = read_env ? env : no_environment;
  if (read_env) checkUnknownVariables(env);

  Settings& settings = invocation.settings;
  for (const SettingSpec& spec : settingTable()) {
    settings.sources[std::string(spec.env)] = "default";
    if (std::optional<RawValue> raw = findRawValue(spec, line, source, files)) {
      applySetting(spec, *raw, settings);
    }
  }
  // The stock image's default: the database is named after the user.
  if (settings.init.db.empty()) settings.init.db = settings.init.user;

  if (line.command == Command::kExec) {
    invocation.exec_argv = std::move(line.rest);
    return invocation;
  }
  applyPostgresArgs(line.rest, settings);
  loadPgbackrestEnv(source, settings);
  invocation.notes = notesFor(settings);
  return invocation;
}

std::string versionText() {
  return std::string(kProgram) + " " + PGBR_VERSION;
}

bool isSecretName(std::string_view name) {
  const std::string text = upper(name);
  for (std::string_view word : {"KEY", "SECRET", "PASS", "TOKEN", "CIPHER"}) {
    if (text.find(word) != std::string::npos) return true;
  }
  return false;
}

namespace {

// A postgres argument such as `primary_conninfo=... password=x` or `-c ssl_passphrase...=x`:
// the value after the first '=' is hidden when the name is secret-looking or the value carries
// a password.
std::string redactPostgresArg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return arg;
  const std::string value = arg.substr(eq + 1);
  if (isSecretName(arg.substr(0, eq)) || upper(value).find("PASS") != std::string::npos) {
    return arg.substr(0, eq + 1) + std::string(kRedacted);
  }
  return arg;
}

void redactInPlace(std::string& value) {
  if (!value.empty()) value = kRedacted;
}

}  // namespace

Settings redacted(const Settings& settings) {
  Settings copy = settings;
  redactInPlace(copy.init.password);
  redactInPlace(copy.api_token);
  for (auto& [name, value] : copy.pgbackrest_env) {
    if (isSecretName(name)) redactInPlace(value);
  }
  for (std::string& arg : copy.postgres_args) arg = redactPostgresArg(arg);
  return copy;
}

nlohmann::json redactedSettingsJson(const Settings& settings) {
  const Settings shown = redacted(settings);
  nlohmann::json table = nlohmann::json::object();
  for (const SettingSpec& spec : settingTable()) {
    nlohmann::json entry = {
        {"value", spec.show(shown)},
        {"default", defaultText(spec)},
        {"secret", spec.secret},
    };
    const auto source = shown.sources.find(std::string(spec.env));
    entry["source"] = source == shown.sources.end() ? "default" : source->second;
    if (!spec.flag.empty()) entry["flag"] = spec.flag;
    if (!spec.file_env.empty()) entry["file_env"] = spec.file_env;
    table[std::string(spec.env)] = std::move(entry);
  }
  return {
      {"settings", std::move(table)},
      {"postgres",
       {{"args", shown.postgres_args},
        {"port", shown.pg_port},
        {"socket_dir", shown.pg_socket_dir}}},
      {"pgbackrest",
       {{"config", shown.pgbackrest_config},
        {"config_rendered", shown.pgbackrest_config_rendered},
        {"env", shown.pgbackrest_env}}},
  };
}

namespace {

// Appends `text` broken into lines of at most kHelpWidth columns, each starting with `indent`.
void appendWrapped(std::ostringstream& out, std::string_view indent, std::string_view text) {
  constexpr std::size_t kHelpWidth = 96;
  std::size_t column = 0;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (column > 0 && column + 1 + word.size() > kHelpWidth) {
      out << "\n";
      column = 0;
    }
    if (column == 0) {
      out << indent << word;
      column = indent.size() + word.size();
    } else {
      out << ' ' << word;
      column += 1 + word.size();
    }
  }
  out << "\n";
}

}  // namespace

std::string helpText() {
  std::ostringstream out;
  out << "usage: " << kProgram << " [flags] [postgres [postgres-args...]]\n"
      << "       " << kProgram << " [flags] healthcheck\n"
      << "       " << kProgram << " [flags] COMMAND [ARGS...]\n\n"
      << "runs postgresql as pid 1, archives wal and takes scheduled backups with pgbackrest,\n"
      << "and serves an http api and dashboard.\n\n"
      << "commands:\n"
      << "  postgres [args...]  run and supervise postgres (the default when no command is\n"
      << "                      given); the args pass through to postgres, e.g. -c key=value;\n"
      << "                      a first argument starting with a single '-' begins them\n"
      << "  healthcheck         ask /readyz on the api listen address; exit 0 when postgres\n"
      << "                      accepts connections, else 1\n"
      << "  COMMAND [ARGS...]   any other command is executed as is, e.g. bash\n\n"
      << "flags (each also set by its environment variable; the flag wins):\n";
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) {
      out << "  " << spec.flag << " " << spec.metavar << "\n      " << spec.env;
      if (!spec.file_env.empty()) out << " or " << spec.file_env;
      out << ", default: " << defaultText(spec) << "\n";
      appendWrapped(out, "      ", spec.help);
    }
    if (!spec.file_flag.empty()) {
      out << "  " << spec.file_flag << " FILE\n      " << spec.file_env << ": a file holding "
          << spec.env << "\n";
    }
  }
  out << "  -h, --help\n      show this help\n"
      << "  --version\n      show the version\n\n"
      << "there is no --api-token flag: a secret on a command line shows in ps; use\n"
      << "PGBR_API_TOKEN, PGBR_API_TOKEN_FILE or --api-token-file.\n\n"
      << "environment only (PGDATA and the POSTGRES_* variables as in the stock postgres "
         "image):\n";
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) continue;
    out << "  " << spec.env << "=" << spec.metavar;
    if (!spec.file_env.empty()) out << " or " << spec.file_env << "=FILE";
    out << "\n      default: " << defaultText(spec) << "\n";
    appendWrapped(out, "      ", spec.help);
  }
  out << "\n"
      << "a *_FILE variable names a file holding the value (docker secrets); trailing newlines\n"
      << "are dropped, and setting both NAME and NAME_FILE is an error. an unknown PGBR_*\n"
      << "variable or flag is an error.\n\n"
      << "PGBACKREST_*: pgbackrest's own options (PGBACKREST_REPO1_TYPE=s3,\n"
      << "PGBACKREST_REPO1_S3_BUCKET, PGBACKREST_REPO1_S3_KEY, PGBACKREST_REPO1_RETENTION_FULL,\n"
      << "...) reach every pgbackrest run, archive-push started by postgres included.\n"
      << "PGBACKREST_CONFIG names your own pgbackrest.conf; without it one is rendered to\n"
      << "<state dir>/pgbackrest.conf. values of names containing KEY, SECRET, PASS, TOKEN or\n"
      << "CIPHER are never shown.\n";
  return out.str();
}

}  // namespace pgbr
