#include "supervisor/postgres/server.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// Setting names as Postgres compares them: case-insensitive, '-' the same as '_'.
std::string settingName(std::string_view text) {
  std::string name(text.substr(0, text.find('=')));
  for (char& c : name) {
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

// True when the arguments set `name` through -c/--name=, or through the short flag.
bool argsSet(const std::vector<std::string>& args, std::string_view name, char flag) {
  const std::string short_flag = std::string("-") + flag;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == short_flag || (arg.starts_with(short_flag) && arg.size() > 2)) return true;
    if (arg == "-c" && i + 1 < args.size()) {
      if (settingName(args[++i]) == name) return true;
    } else if (arg.starts_with("-c") && arg.size() > 2) {
      if (settingName(arg.substr(2)) == name) return true;
    } else if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      if (settingName(arg.substr(2)) == name) return true;
    }
  }
  return false;
}

template <typename Int>
bool parseInt(std::string_view text, Int* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
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

}  // namespace

std::string pgBindir(const Settings& settings) {
  return settings.pg_bindir.empty() ? Settings{}.pg_bindir : settings.pg_bindir;
}

std::string pgBinary(const Settings& settings, std::string_view name) {
  return (fs::path(pgBindir(settings)) / name).string();
}

std::string socketDirectoriesValue(const std::string& dir) {
  if (dir.find_first_of(", \t\"") == std::string::npos) return dir;
  std::string out = "\"";
  for (char c : dir) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

bool argsSetPort(const std::vector<std::string>& args) {
  return argsSet(args, "port", 'p');
}

bool argsSetSocketDir(const std::vector<std::string>& args) {
  return argsSet(args, "unix_socket_directories", 'k');
}

SpawnSpec postmasterSpec(const Settings& settings, std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "postgres"), "-D", settings.pgdata};
  spec.argv.insert(spec.argv.end(), settings.postgres_args.begin(), settings.postgres_args.end());
  if (!argsSetPort(settings.postgres_args)) {
    spec.argv.insert(spec.argv.end(), {"-p", std::to_string(settings.pg_port)});
  }
  // An empty pg_socket_dir only ever comes from the arguments (unix_socket_directories=''),
  // which are then already there.
  if (!argsSetSocketDir(settings.postgres_args) && !settings.pg_socket_dir.empty()) {
    spec.argv.insert(spec.argv.end(), {"-k", socketDirectoriesValue(settings.pg_socket_dir)});
  }
  for (const auto& [name, value] : settings.pgbackrest_env) setEnv(env, name, value);
  spec.env = std::move(env);
  return spec;
}

std::optional<PostmasterPid> parsePostmasterPid(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  PostmasterPid pid;
  // The first line is all Postgres writes before the rest; without a pid there is nothing.
  if (lines.empty() || !parseInt(trim(lines[0]), &pid.pid) || pid.pid <= 0) return std::nullopt;
  if (lines.size() > 1) pid.data_dir = std::string(trim(lines[1]));
  if (lines.size() > 2) parseInt(trim(lines[2]), &pid.start_epoch);
  if (lines.size() > 3) parseInt(trim(lines[3]), &pid.port);
  if (lines.size() > 4) pid.socket_dir = std::string(trim(lines[4]));
  if (lines.size() > 5) pid.listen_address = std::string(trim(lines[5]));
  if (lines.size() > 7) pid.status = std::string(trim(lines[7]));
  return pid;
}

std::optional<PostmasterPid> readPostmasterPid(const fs::path& pgdata) {
  std::ifstream in(pgdata / "postmaster.pid");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parsePostmasterPid(text.str());
}

std::optional<std::string> readPostmasterPidState(const fs::path& pgdata) {
  auto pid = readPostmasterPid(pgdata);
  if (!pid) return std::nullopt;
  return pid->status;
}

bool postmasterReady(const std::optional<PostmasterPid>& pid_file, int64_t postmaster_pid) {
  return pid_file && postmaster_pid > 0 && pid_file->pid == postmaster_pid &&
         pid_file->status == "ready";
}

std::optional<std::string> parseClusterState(std::string_view output) {
  constexpr std::string_view kLabel = "Database cluster state:";
  const size_t at = output.find(kLabel);
  if (at == std::string_view::npos) return std::nullopt;
  size_t end = output.find('\n', at);
  if (end == std::string_view::npos) end = output.size();
  const std::string_view value = trim(output.substr(at + kLabel.size(), end - at - kLabel.size()));
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

bool isCleanShutdownState(std::string_view state) {
  return state == "shut down" || state == "shut down in recovery";
}

ClusterState readClusterState(Children& children, const Settings& settings,
                              std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "pg_controldata"), "-D", settings.pgdata};
  setEnv(env, "LC_ALL", "C");
  spec.env = std::move(env);
  RunOptions options;
  options.timeout = Millis(30000);
  RunResult run = runCommand(children, spec, nullptr, options);
  ClusterState state;
  if (!run.started) {
    state.error = "pg_controldata could not start: " + run.spawn_error;
    return state;
  }
  std::string output;
  for (const auto& line : run.last_lines) output += line + "\n";
  if (!run.success()) {
    state.error = "pg_controldata " +
                  (run.timed_out ? std::string("timed out") : run.status.describe()) +
                  (run.last_lines.empty() ? "" : ": " + run.last_lines.back());
    return state;
  }
  if (auto value = parseClusterState(output)) {
    state.state = *value;
  } else {
    state.error = "pg_controldata printed no database cluster state";
  }
  return state;
}

}  // namespace pgbr
