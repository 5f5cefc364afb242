#include "supervisor/postgres/settings_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>

#include "supervisor/common/file_write.h"
#include "supervisor/postgres/conf_parser.h"

namespace pgbr {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool readFile(const std::filesystem::path& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot read " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

bool isIncludeOfSupervisorConf(const ConfEntry& entry) {
  if (entry.name != "include" && entry.name != "include_if_exists") return false;
  return std::filesystem::path(entry.value).filename() == kSupervisorConfName;
}

// Setting names on the command line: -c name=value, -cname=value, --name=value; Postgres treats
// '-' in a name as '_'.
std::vector<std::pair<std::string, std::string>> commandLineSettings(
    const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::string_view assignment) {
    const size_t eq = assignment.find('=');
    if (eq == std::string_view::npos) return;
    std::string name = lower(assignment.substr(0, eq));
    for (char& c : name) {
      if (c == '-') c = '_';
    }
    out.emplace_back(std::move(name), std::string(assignment.substr(eq + 1)));
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-c" && i + 1 < args.size()) {
      add(args[++i]);
    } else if (arg.starts_with("-c") && arg.size() > 2) {
      add(arg.substr(2));
    } else if (arg.starts_with("--") && arg.size() > 2) {
      add(arg.substr(2));
    }
  }
  return out;
}

// Where a user's value came from, and how to take it back.
struct Origin {
  std::string where;
  std::string undo;
};

struct UserValue {
  std::string value;
  Origin origin;
};

}  // namespace

std::string shellQuote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_@%+=:,./-", c) != nullptr;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

std::string buildArchiveCommand(std::string_view pgbackrest_bin, std::string_view config,
                                std::string_view stanza) {
  auto percent = [](std::string text) {
    std::string out;
    for (char c : text) {
      out += c;
      if (c == '%') out += '%';
    }
    return out;
  };
  std::string command = percent(shellQuote(pgbackrest_bin));
  command += ' ' + percent(shellQuote("--config=" + std::string(config)));
  command += ' ' + percent(shellQuote("--stanza=" + std::string(stanza)));
  command += " archive-push %p";
  return command;
}

std::string escapeConfString(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out;
}

std::string renderConfTemplate(std::string_view tmpl, std::string_view archive_command,
                               std::string_view listen_addresses) {
  const std::pair<std::string_view, std::string> values[] = {
      {kArchiveCommandPlaceholder, escapeConfString(archive_command)},
      {kListenAddressesPlaceholder, escapeConfString(listen_addresses)},
  };
  // One pass over the template: a value is never searched for placeholders itself.
  std::string out;
  size_t pos = 0;
  while (pos < tmpl.size()) {
    const size_t at = tmpl.find("{{", pos);
    out.append(tmpl.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) break;
    pos = at;
    for (const auto& [placeholder, value] : values) {
      if (tmpl.substr(at).starts_with(placeholder)) {
        out += value;
        pos = at + placeholder.size();
        break;
      }
    }
    if (pos == at) {  // not a placeholder: keep the braces as they are
      out += "{{";
      pos = at + 2;
    }
  }
  return out;
}

std::string renderSupervisorConf(const Settings& settings) {
  return renderConfTemplate(
      defaultConfTemplate(),
      buildArchiveCommand(settings.pgbackrest_bin, settings.pgbackrest_config, settings.stanza),
      settings.pg_listen);
}

IncludeEdit ensureIncludeFirst(std::string_view conf_text) {
  for (const auto& entry : parseConfText(conf_text)) {
    if (isIncludeOfSupervisorConf(entry)) return IncludeEdit{std::string(conf_text), false};
  }
  IncludeEdit edit;
  edit.text =
      "# pgbr-supervisor's archiving defaults; any setting below, ALTER SYSTEM and -c win over "
      "them.\n"
      "include_if_exists = '" +
      std::string(kSupervisorConfName) + "'\n\n";
  edit.text += conf_text;
  edit.changed = true;
  return edit;
}

std::vector<std::string> archivingWarnings(std::string_view postgresql_conf,
                                           std::string_view auto_conf,
                                           const std::vector<std::string>& postgres_args) {
  static constexpr std::string_view kWatched[] = {"archive_mode", "wal_level", "archive_command",
                                                  "archive_library"};
  std::map<std::string, UserValue> user;
  auto consider = [&](const std::string& name, const std::string& value, Origin origin) {
    for (std::string_view watched : kWatched) {
      if (name == watched) user[name] = UserValue{value, std::move(origin)};
    }
  };
  for (const auto& entry : parseConfText(postgresql_conf)) {
    consider(entry.name, entry.value,
             {"postgresql.conf line " + std::to_string(entry.line), "remove that line"});
  }
  for (const auto& entry : parseConfText(auto_conf)) {
    consider(entry.name, entry.value,
             {"postgresql.auto.conf (ALTER SYSTEM)", "run ALTER SYSTEM RESET " + entry.name});
  }
  for (const auto& [name, value] : commandLineSettings(postgres_args)) {
    consider(name, value, {"the command line", "drop it from the postgres arguments"});
  }

  std::vector<std::string> warnings;
  auto describe = [](const std::string& name, const UserValue& v) {
    return name + " = '" + v.value + "' in " + v.origin.where;
  };
  bool archiving = true;
  if (auto it = user.find("archive_mode"); it != user.end()) {
    const std::string mode = lower(it->second.value);
    if (mode == "off" || mode == "false" || mode == "no" || mode == "0") {
      archiving = false;
      warnings.push_back(describe("archive_mode", it->second) +
                         " switches WAL archiving off: backups fail and point-in-time recovery is "
                         "impossible; " +
                         it->second.origin.undo + " to archive with pgbackrest");
    }
  }
  if (auto it = user.find("wal_level"); it != user.end() && lower(it->second.value) == "minimal") {
    warnings.push_back(describe("wal_level", it->second) +
                       " keeps too little WAL to archive or restore, and postgres will not start "
                       "with archive_mode on; " +
                       it->second.origin.undo);
  }
  if (!archiving) return warnings;
  if (auto it = user.find("archive_library"); it != user.end() && !it->second.value.empty()) {
    warnings.push_back(describe("archive_library", it->second) +
                       " replaces archive_command, so WAL does not go to pgbackrest; " +
                       it->second.origin.undo);
  }
  if (auto it = user.find("archive_command"); it != user.end()) {
    const std::string& command = it->second.value;
    if (command.empty()) {
      warnings.push_back("archive_command is empty in " + it->second.origin.where +
                         ": postgres keeps every WAL file in pg_wal and archives nothing; " +
                         it->second.origin.undo);
    } else if (command.find("pgbackrest") == std::string::npos ||
               command.find("archive-push") == std::string::npos) {
      warnings.push_back(describe("archive_command", it->second) +
                         " does not call pgbackrest archive-push, so backups will miss WAL; " +
                         it->second.origin.undo);
    }
  }
  return warnings;
}

ApplyConfResult applySupervisorConf(const std::filesystem::path& pgdata, std::string_view rendered,
                                    const std::vector<std::string>& postgres_args) {
  namespace fs = std::filesystem;
  ApplyConfResult result;
  const fs::perms owner_rw = fs::perms::owner_read | fs::perms::owner_write;
  result.error = writeFileIfChanged(pgdata / kSupervisorConfName, rendered, owner_rw);
  if (!result.ok()) return result;

  bool include_managed = true;
  for (const auto& [name, value] : commandLineSettings(postgres_args)) {
    if (name == "config_file") {
      result.warnings.push_back(
          "postgres reads its configuration from " + value +
          " (config_file on the command line), which the supervisor does not edit: add "
          "include_if_exists = '" +
          (pgdata / kSupervisorConfName).string() +
          "' as its first setting to get the archiving defaults");
      include_managed = false;
    }
  }

  const fs::path conf = pgdata / "postgresql.conf";
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(conf, ec);
  std::string conf_text;
  if (!include_managed) {
    // Not ours to edit; warnings below still cover what the user set on the command line.
  } else if (ec || !fs::exists(status)) {
    result.error = "no postgresql.conf in " + pgdata.string() +
                   ": the data directory is incomplete; restore it or start with an empty one";
    return result;
  } else if (fs::is_symlink(status)) {
    // Rewriting would replace the link (to a mounted config, say) with a copy.
    result.warnings.push_back(conf.string() +
                              " is a symbolic link and is left alone: add include_if_exists = '" +
                              (pgdata / kSupervisorConfName).string() +
                              "' as its first setting to get the archiving defaults");
    readFile(conf, &conf_text, nullptr);
  } else {
    if (!readFile(conf, &conf_text, &result.error)) return result;
    IncludeEdit edit = ensureIncludeFirst(conf_text);
    if (edit.changed) {
      result.error = writeFileAtomically(conf, edit.text, status.permissions());
      if (!result.ok()) return result;
      result.include_added = true;
      conf_text = std::move(edit.text);
    }
  }

  std::string auto_text;
  readFile(pgdata / "postgresql.auto.conf", &auto_text, nullptr);  // absent: nothing set
  for (auto& warning : archivingWarnings(conf_text, auto_text, postgres_args)) {
    result.warnings.push_back(std::move(warning));
  }
  return result;
}

}  // namespace pgbr
