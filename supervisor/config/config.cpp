#include "supervisor/config/config.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "supervisor/common/errors.h"
#include "supervisor/config/backrest_folders.h"
#include "supervisor/config/notify_settings.h"
#include "supervisor/config/pg_bindir.h"
#include "supervisor/config/postgres_args.h"
#include "supervisor/config/replica_settings.h"
#include "supervisor/config/setting_table.h"

namespace pgbr {

namespace {

std::vector<std::string_view> knownVariables() {
  std::vector<std::string_view> names;
  for (const SettingSpec& spec : settingTable()) {
    names.push_back(spec.env);
    if (!spec.file_env.empty()) names.push_back(spec.file_env);
  }
  return names;
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
  if (facts.listen_addresses) {
    settings.pg_listen = *facts.listen_addresses;
    settings.sources["PGBR_PG_LISTEN"] = "postgres args";
  }
}

// Whether `inner` is `outer` or lies inside it, comparing normalised absolute paths.
bool within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const std::filesystem::path a = inner.lexically_normal();
  const std::filesystem::path b = outer.lexically_normal();
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // the empty name after a trailing '/'
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

// The drill empties its scratch folder's sub-folders after every drill: a folder that holds
// (or is inside) the live data, the state folder or a local repository would lose them.
void checkDrillDir(const Settings& settings) {
  if (settings.drill_dir.empty()) return;  // <state>/drill: inside the state folder, by design
  const std::filesystem::path drill(settings.drill_dir);
  std::vector<std::pair<std::string, std::string>> guarded{{"PGDATA", settings.pgdata},
                                                           {"PGBR_STATE_DIR", settings.state_dir}};
  if (!settings.init.initdb_waldir.empty())
    guarded.emplace_back("POSTGRES_INITDB_WALDIR", settings.init.initdb_waldir);
  if (auto repo = settings.pgbackrest_env.find("PGBACKREST_REPO1_PATH");
      repo != settings.pgbackrest_env.end() && !repo->second.empty() && repo->second.front() == '/')
    guarded.emplace_back("PGBACKREST_REPO1_PATH", repo->second);
  for (const auto& [name, path] : guarded) {
    if (within(path, drill))
      throw ConfigError("PGBR_DRILL_DIR: " + settings.drill_dir + " holds " + name + " (" + path +
                        "); choose a folder of its own for the drill's scratch copy");
  }
  if (within(drill, settings.pgdata))
    throw ConfigError("PGBR_DRILL_DIR: " + settings.drill_dir + " is inside PGDATA (" +
                      settings.pgdata + "); choose a folder outside the live data directory");
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
  if (settings.sources["PGBR_PG_BINDIR"] == "default") {
    settings.pg_bindir =
        choosePgBindir(dataDirectoryMajor(settings.pgdata), source.get("PG_MAJOR").value_or(""),
                       installedPgMajors(kDebianPgRoot), kDebianPgRoot, settings.pg_bindir);
  }

  if (line.command == Command::kExec) {
    invocation.exec_argv = std::move(line.rest);
    return invocation;
  }
  if (line.command == Command::kRestorePoint) {
    invocation.restore_point = line.rest.front();
  } else if (line.command == Command::kDatabases || line.command == Command::kDumps ||
             line.command == Command::kPromote) {
    invocation.words = std::move(line.rest);
  } else {
    applyPostgresArgs(line.rest, settings);
  }
  loadPgbackrestEnv(source, settings);
  backrestFolders(settings);  // a relative PGBACKREST_*_PATH stops start-up here, named
  checkDrillDir(settings);
  if (auto reason = checkNotifySettings(settings)) throw ConfigError(*reason);
  if (auto reason = checkReplicaSettings(settings)) throw ConfigError(*reason);
  invocation.notes = notesFor(settings);
  return invocation;
}

}  // namespace pgbr
