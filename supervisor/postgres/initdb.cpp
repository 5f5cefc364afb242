#include "supervisor/postgres/initdb.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <system_error>

#include "supervisor/os/output_pump.h"
#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// The text bash runs for a `*.sh` init file that is not executable. The stock image sources
// such files into its own shell, where they find docker_process_sql and the psql array; this
// defines the same two and sources the file, whose path arrives as $1 and is never part of the
// program text.
constexpr const char* kSourceScript = R"sh(
docker_process_sql() {
  local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ -n "$POSTGRES_DB" ]; then
    runner+=(--dbname "$POSTGRES_DB")
  fi
  "${runner[@]}" "$@"
}
psql=(docker_process_sql)
pgbr_init_file=$1
shift
. "$pgbr_init_file"
)sh";

std::string firstWord(const std::string& text) {
  return text.substr(0, text.find(' '));
}

std::optional<std::string> getEnv(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

// A folder only this user can enter, for the password file, decompressed SQL and, when
// Postgres is configured without a Unix socket, the temporary server's socket. Removed with
// everything in it on every path.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    std::error_code ec;
    const fs::path base = fs::temp_directory_path(ec);
    if (ec) {
      error_ = "cannot find a temporary directory: " + ec.message();
      return;
    }
    std::random_device random;
    for (int attempt = 0; attempt < 10 && path_.empty(); ++attempt) {
      char name[32];
      std::snprintf(name, sizeof name, "pgbr-init-%08x%08x", random(), random());
      // create_directory reports false when the name exists: someone else's, try another.
      if (fs::create_directory(base / name, ec)) path_ = base / name;
      if (ec) break;
    }
    if (path_.empty()) {
      error_ = "cannot create a directory in " + base.string() + ": " +
               (ec ? ec.message() : std::string("names taken"));
      return;
    }
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) error_ = "cannot restrict " + path_.string() + ": " + ec.message();
  }
  ~PrivateTempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;

  const fs::path& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  fs::path path_;
  std::string error_;
};

// Creates `path` with mode 0600 before writing, so the secret is never readable by others.
std::string writePrivateFile(const fs::path& path, const std::string& content) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wbx"), &std::fclose);
  if (!file) return "cannot create " + path.string() + ": " + std::strerror(errno);
  std::error_code ec;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  ec);
  if (ec) return "cannot restrict " + path.string() + ": " + ec.message();
  bool ok = std::fwrite(content.data(), 1, content.size(), file.get()) == content.size();
  ok = std::fclose(file.release()) == 0 && ok;
  return ok ? "" : "cannot write " + path.string();
}

bool isExecutable(const fs::file_status& status) {
  // Any execute bit, as the closest portable reading of `[ -x file ]`: init files are copied in
  // with 0755 or 0644, and a file executable only by another user fails to spawn, by name.
  const auto exec = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  return (status.permissions() & exec) != fs::perms::none;
}

}  // namespace

ShellWords splitShellWords(std::string_view text) {
  ShellWords result;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  auto failWith = [&](std::string error) {
    result.words.clear();
    result.error = std::move(error);
    return result;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) result.words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return failWith("ends with a lone backslash");
      // Backslash-newline joins lines and is not part of any word.
      if (text[i + 1] != '\n') {
        word += text[i + 1];
        in_word = true;
      }
      i += 2;
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return failWith("unterminated single quote");
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        // Inside double quotes a backslash only escapes the characters the shell treats
        // specially there; before anything else it stays a backslash.
        if (d == '\\' && i + 1 < text.size() && std::strchr("\"\\$`\n", text[i + 1]) != nullptr) {
          if (text[i + 1] != '\n') word += text[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) return failWith("unterminated double quote");
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) result.words.push_back(std::move(word));
  return result;
}

bool dataDirectoryInitialized(const fs::path& pgdata) {
  std::error_code ec;
  const auto size = fs::file_size(pgdata / "PG_VERSION", ec);
  return !ec && size > 0;
}

std::string checkInitSettings(const PostgresInitSettings& init) {
  if (init.password.empty() && firstWord(init.host_auth_method) != "trust") {
    return "database is uninitialized and superuser password is not specified: set "
           "POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, or set "
           "POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password (not "
           "recommended)";
  }
  return "";
}

InitFileKind classifyInitFile(std::string_view name, bool executable) {
  if (name.ends_with(".sh")) return executable ? InitFileKind::kRun : InitFileKind::kSource;
  if (name.ends_with(".sql")) return InitFileKind::kSql;
  if (name.ends_with(".sql.gz")) return InitFileKind::kSqlGz;
  if (name.ends_with(".sql.xz")) return InitFileKind::kSqlXz;
  if (name.ends_with(".sql.zst")) return InitFileKind::kSqlZst;
  return InitFileKind::kIgnore;
}

InitFiles listInitFiles(const fs::path& dir) {
  InitFiles result;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return result;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    // Found now rather than after initdb, which would leave a data directory that the next
    // start skips without ever running the scripts.
    result.error = "cannot read the init directory " + dir.string() + ": " + ec.message();
    return result;
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    result.files.push_back(entry.path());
  }
  // std::string compares like memcmp: the byte order of `LC_ALL=C ls`.
  std::sort(result.files.begin(), result.files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return result;
}

std::string hbaEntry(const std::string& method) {
  std::string text = "\n";
  if (firstWord(method) == "trust") {
    text += "# POSTGRES_HOST_AUTH_METHOD=trust: every host may connect without a password\n";
  }
  text += "host all all all " + method + "\n";
  return text;
}

SpawnSpec tempServerSpec(const Settings& settings, const std::string& socket_dir,
                         std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "postgres"), "-D", settings.pgdata};
  spec.argv.insert(spec.argv.end(), settings.postgres_args.begin(), settings.postgres_args.end());
  spec.argv.insert(
      spec.argv.end(),
      {"-c", "listen_addresses=", "-c", "archive_mode=off", "-p", std::to_string(settings.pg_port),
       "-c", "unix_socket_directories=" + socketDirectoriesValue(socket_dir)});
  spec.env = std::move(env);
  return spec;
}

std::vector<std::string> initScriptEnvironment(const Settings& settings,
                                               const std::string& socket_dir,
                                               std::vector<std::string> base) {
  const PostgresInitSettings& init = settings.init;
  for (const char* name : {"POSTGRES_PASSWORD_FILE", "POSTGRES_USER_FILE", "POSTGRES_DB_FILE",
                           "POSTGRES_INITDB_ARGS_FILE", "PGHOSTADDR"}) {
    removeEnv(base, name);
  }
  setEnv(base, "POSTGRES_USER", init.user);
  setEnv(base, "POSTGRES_PASSWORD", init.password);
  setEnv(base, "POSTGRES_DB", init.db);
  setEnv(base, "POSTGRES_INITDB_ARGS", init.initdb_args);
  setEnv(base, "PGDATA", settings.pgdata);
  // Needed when POSTGRES_INITDB_ARGS asks for passwords on local connections too
  // (--auth-local=scram-sha-256); a PGPASSWORD already set wins, as in the stock image.
  if (getEnv(base, "PGPASSWORD").value_or("").empty() && !init.password.empty()) {
    setEnv(base, "PGPASSWORD", init.password);
  }
  setEnv(base, "PGHOST", socket_dir);
  setEnv(base, "PGPORT", std::to_string(settings.pg_port));
  const std::string path = getEnv(base, "PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  setEnv(base, "PATH", pgBindir(settings) + ":" + path);
  return base;
}

std::string LibpqServerAccess::createDatabaseIfMissing(const ConnParams& params,
                                                       const std::string& name) {
  ConnParams admin = params;
  admin.dbname = "postgres";
  ConnectResult connected = connectPg(admin);
  if (!connected.ok()) return connected.error;
  QueryValue exists =
      queryValue(connected.conn.get(), "SELECT 1 FROM pg_database WHERE datname = $1", {name});
  if (!exists.ok()) return exists.error;
  if (exists.value) return "";
  const auto quoted = quoteIdentifier(connected.conn.get(), name);
  if (!quoted) return "cannot quote the database name (invalid encoding?)";
  return execStatement(connected.conn.get(), "CREATE DATABASE " + *quoted);
}

// The socket-only server the init files run against. Its output goes to the log; the destructor
// stops it on every path, so a failing script never leaves it running under a fresh start.
class Initializer::TempServer {
 public:
  TempServer(Children& children, LogSink& log) : children_(children), log_(log) {}
  TempServer(const TempServer&) = delete;
  TempServer& operator=(const TempServer&) = delete;
  ~TempServer() { stop(Seconds(10)); }

  std::string start(const SpawnSpec& spec) {
    SpawnResult spawned = children_.spawn(spec);
    if (!spawned.ok()) return "the temporary server could not start: " + spawned.error;
    pid_ = spawned.pid;
    if (spawned.output.valid())
      pump_ = std::make_unique<OutputPump>(std::move(spawned.output), log_);
    return "";
  }

  std::string waitReady(ServerAccess& server, const ConnParams& params, Seconds timeout,
                        const std::atomic<bool>& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (cancel.load()) return "cancelled while the temporary server was starting";
      if (server.ready(params)) return "";
      if (std::chrono::steady_clock::now() > deadline) {
        return "the temporary server was not ready within " + std::to_string(timeout.count()) +
               " s (" + describeConn(params) + ")";
      }
      // Waiting on the child rather than sleeping: a server that fails at once (a bad -c
      // argument, a port in use) is reported as soon as the loop reaps it.
      if (auto status = children_.waitExit(pid_, Millis(100))) {
        exit_ = status;
        return "the temporary server " + status->describe() +
               " while starting (its log "
               "precedes this line)";
      }
    }
  }

  // SIGINT is Postgres' fast shutdown: sessions are ended and a clean checkpoint written.
  std::string stop(Seconds timeout) {
    if (pid_ < 0) return "";
    if (!exit_) {
      children_.signalProcess(pid_, sig::kInt);
      exit_ = children_.waitExit(pid_, timeout);
    }
    if (!exit_) {
      children_.signalProcess(pid_, sig::kQuit);  // immediate shutdown
      exit_ = children_.waitExit(pid_, Seconds(5));
    }
    if (!exit_) {
      children_.signalGroup(pid_, sig::kKill);
      exit_ = children_.waitExit(pid_, Seconds(5));
    }
    pid_ = -1;
    pump_.reset();
    if (!exit_) return "the temporary server did not stop";
    if (!exit_->success()) return "the temporary server " + exit_->describe() + " on shutdown";
    return "";
  }

 private:
  Children& children_;
  LogSink& log_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
  std::unique_ptr<OutputPump> pump_;
};

Initializer::Initializer(const Settings& settings, Children& children, LogSink& log,
                         std::vector<std::string> env, ServerAccess* server)
    : settings_(settings),
      children_(children),
      log_(log),
      env_(std::move(env)),
      server_(server ? *server : libpq_) {}

void Initializer::note(const std::string& line) {
  log_.appendLine(line);
}

void Initializer::warn(const std::string& line) {
  log_.appendLine("warning: " + line);
}

InitResult Initializer::fail(const std::string& what) const {
  return InitResult{InitOutcome::kFailed,
                    "initialisation stopped: " + what + "; the partly initialised data directory " +
                        settings_.pgdata +
                        " stays as it is (as with the stock image) and the next start will not "
                        "initialise it again: empty it, fix the cause and start again"};
}

std::string Initializer::runStep(const std::string& what, const SpawnSpec& spec,
                                 const std::atomic<bool>& cancel) {
  RunOptions options;
  options.cancel = &cancel;
  RunResult result = runCommand(children_, spec, &log_, options);
  if (!result.started) return what + " could not start: " + result.spawn_error;
  if (result.cancelled) return what + " was cancelled";
  if (!result.status.success()) return what + " " + result.status.describe();
  return "";
}

std::string Initializer::processInitFile(const fs::path& file, const fs::path& tmp,
                                         const std::atomic<bool>& cancel) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  const InitFileKind kind = !ec && fs::is_regular_file(status)
                                ? classifyInitFile(file.filename().string(), isExecutable(status))
                                : InitFileKind::kIgnore;
  const std::string psql = pgBinary(settings_, "psql");
  auto psqlSpec = [&](const std::string& sql_file) {
    SpawnSpec spec;
    spec.argv = {psql,
                 "-v",
                 "ON_ERROR_STOP=1",
                 "--username",
                 settings_.init.user,
                 "--no-password",
                 "--no-psqlrc",
                 "--dbname",
                 settings_.init.db,
                 "-f",
                 sql_file};
    spec.env = script_env_;
    return spec;
  };
  const std::string name = file.string();

  switch (kind) {
    case InitFileKind::kIgnore:
      note("ignoring " + name);
      return "";
    case InitFileKind::kRun: {
      note("running " + name);
      SpawnSpec spec;
      spec.argv = {name};
      spec.env = script_env_;
      return runStep(name, spec, cancel);
    }
    case InitFileKind::kSource: {
      note("sourcing " + name);
      SpawnSpec spec;
      spec.argv = {"bash", "-Eeo", "pipefail", "-c", kSourceScript, "pgbr-supervisor", name};
      spec.env = script_env_;
      return runStep(name + " (sourced by bash)", spec, cancel);
    }
    case InitFileKind::kSql:
      note("running " + name);
      return runStep(name + " (psql)", psqlSpec(name), cancel);
    case InitFileKind::kSqlGz:
    case InitFileKind::kSqlXz:
    case InitFileKind::kSqlZst: {
      note("running " + name);
      const char* tool = kind == InitFileKind::kSqlGz   ? "gzip"
                         : kind == InitFileKind::kSqlXz ? "xz"
                                                        : "zstd";
      // Decompressed into a private file rather than piped: children are spawned one at a
      // time from argv vectors, with no shell to build a pipeline.
      const fs::path sql = tmp / "init-file.sql";
      SpawnSpec unpack;
      unpack.argv = {tool, "-dc", name};
      unpack.env = script_env_;
      unpack.stdout_path = sql.string();
      std::string error = runStep(name + " (" + tool + " -dc)", unpack, cancel);
      if (error.empty()) error = runStep(name + " (psql)", psqlSpec(sql.string()), cancel);
      fs::remove(sql, ec);
      return error;
    }
  }
  return "";
}

InitResult Initializer::run(const std::atomic<bool>& cancel) {
  const PostgresInitSettings& init = settings_.init;
  const fs::path pgdata = settings_.pgdata;
  if (dataDirectoryInitialized(pgdata)) {
    note("database directory appears to contain a database; skipping initialization");
    return InitResult{InitOutcome::kSkipped, ""};
  }
  if (std::string refusal = checkInitSettings(init); !refusal.empty()) {
    return InitResult{InitOutcome::kFailed, refusal};
  }
  if (init.password.size() >= 100) {
    warn("POSTGRES_PASSWORD has 100 characters or more, which psql cannot take from PGPASSWORD");
  }
  if (firstWord(init.host_auth_method) == "trust") {
    warn(
        "POSTGRES_HOST_AUTH_METHOD=trust lets anyone who reaches the postgres port connect "
        "without a password, even though POSTGRES_PASSWORD may be set; set a password instead");
  }
  InitFiles files = listInitFiles(init.initdb_dir);
  if (!files.error.empty()) return InitResult{InitOutcome::kFailed, files.error};
  ShellWords extra = splitShellWords(init.initdb_args);
  if (!extra.ok()) {
    return InitResult{InitOutcome::kFailed, "POSTGRES_INITDB_ARGS cannot be split into words: " +
                                                extra.error + "; fix its quoting"};
  }
  PrivateTempDir tmp;
  if (!tmp.error().empty()) return InitResult{InitOutcome::kFailed, tmp.error()};
  socket_dir_ = settings_.pg_socket_dir.empty() ? tmp.path().string() : settings_.pg_socket_dir;
  script_env_ = initScriptEnvironment(settings_, socket_dir_, env_);

  // initdb. The password travels in a file: on the command line every user could read it.
  // initdb rejects an empty file, hence the newline even for an empty password.
  const fs::path pwfile = tmp.path() / "pwfile";
  if (std::string error = writePrivateFile(pwfile, init.password + "\n"); !error.empty()) {
    return InitResult{InitOutcome::kFailed, error};
  }
  SpawnSpec initdb;
  initdb.argv = {pgBinary(settings_, "initdb"), "--username=" + init.user,
                 "--pwfile=" + pwfile.string()};
  if (!init.initdb_waldir.empty()) initdb.argv.push_back("--waldir=" + init.initdb_waldir);
  initdb.argv.insert(initdb.argv.end(), extra.words.begin(), extra.words.end());
  initdb.argv.insert(initdb.argv.end(), {"-D", settings_.pgdata});
  initdb.env = env_;
  note("initializing " + settings_.pgdata + " with initdb");
  std::string error = runStep("initdb", initdb, cancel);
  std::error_code ec;
  fs::remove(pwfile, ec);
  if (!error.empty()) return fail(error);

  {
    std::ofstream hba(pgdata / "pg_hba.conf", std::ios::app);
    hba << hbaEntry(init.host_auth_method);
    hba.flush();
    if (!hba) return fail("cannot append to " + (pgdata / "pg_hba.conf").string());
  }

  ConnParams params;
  params.socket_dir = socket_dir_;
  params.port = settings_.pg_port;
  params.user = init.user;
  params.dbname = "postgres";
  params.password = init.password;
  TempServer server(children_, log_);
  note("starting a temporary server on socket " + socket_dir_ + " port " +
       std::to_string(settings_.pg_port));
  if (error = server.start(tempServerSpec(settings_, socket_dir_, env_)); !error.empty()) {
    return fail(error);
  }
  if (error = server.waitReady(server_, params, settings_.start_timeout, cancel); !error.empty()) {
    return fail(error);
  }
  if (init.db != "postgres") {
    if (error = server_.createDatabaseIfMissing(params, init.db); !error.empty()) {
      return fail("creating database " + init.db + ": " + error);
    }
  }
  for (const auto& file : files.files) {
    if (cancel.load()) return fail("cancelled before " + file.string());
    if (error = processInitFile(file, tmp.path(), cancel); !error.empty()) return fail(error);
  }
  if (error = server.stop(settings_.stop_timeout); !error.empty()) return fail(error);
  note("init process complete; ready for start up");
  return InitResult{InitOutcome::kInitialized, ""};
}

}  // namespace pgbr
