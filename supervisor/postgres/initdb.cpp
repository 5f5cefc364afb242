#include "supervisor/postgres/initdb.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <system_error>

#include "supervisor/postgres/host_access.h"
#include "supervisor/postgres/init_files.h"
#include "supervisor/postgres/major_version.h"
#include "supervisor/postgres/server.h"
#include "supervisor/postgres/shell_words.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

bool dataDirectoryInitialized(const fs::path& pgdata) {
  std::error_code ec;
  const auto size = fs::file_size(pgdata / "PG_VERSION", ec);
  return !ec && size > 0;
}

std::string dataDirectoryOwnerProblem(const fs::path& pgdata) {
  struct stat st {};
  if (::stat(pgdata.c_str(), &st) != 0 || st.st_uid == ::geteuid()) return "";
  return "the data directory " + pgdata.string() + " belongs to uid " + std::to_string(st.st_uid) +
         ", not to this user (uid " + std::to_string(::geteuid()) +
         "), and postgres must own it; with a volume mounted at PGDATA itself (a non-root "
         "container, Kubernetes fsGroup), set PGDATA to a folder inside it, e.g. " +
         (pgdata / "pgdata").string();
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
  const InitFileKind kind = classifyInitPath(file);
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
    case InitFileKind::kSource:
      note("sourcing " + name);
      return runStep(name + " (sourced by bash)", sourceInitFileSpec(name, script_env_), cancel);
    case InitFileKind::kSql:
      note("running " + name);
      return runStep(name + " (psql)", psqlFileSpec(settings_, name, script_env_), cancel);
    case InitFileKind::kSqlGz:
    case InitFileKind::kSqlXz:
    case InitFileKind::kSqlZst: {
      note("running " + name);
      const char* tool = decompressorFor(kind);
      // Decompressed into a private file rather than piped: children are spawned one at a
      // time from argv vectors, with no shell to build a pipeline.
      const fs::path sql = tmp / "init-file.sql";
      SpawnSpec unpack;
      unpack.argv = {tool, "-dc", name};
      unpack.env = script_env_;
      unpack.stdout_path = sql.string();
      std::string error = runStep(name + " (" + tool + " -dc)", unpack, cancel);
      if (error.empty()) {
        error =
            runStep(name + " (psql)", psqlFileSpec(settings_, sql.string(), script_env_), cancel);
      }
      std::error_code ec;
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
    // Before anything writes into it: a directory of another major stays as it was.
    if (std::string other =
            majorVersionMismatch(pgdata, dataDirectoryMajor(pgdata),
                                 binariesMajor(settings_, children_), pgBindir(settings_));
        !other.empty()) {
      return InitResult{InitOutcome::kFailed, other};
    }
    note("database directory appears to contain a database; skipping initialization");
    // PGBR_PG_LISTEN may have been opened since initdb wrote pg_hba.conf for this machine only.
    HbaUpdate hba =
        admitOtherHostsWhenListening(pgdata, settings_.pg_listen, init.host_auth_method);
    if (!hba.error.empty()) warn(hba.error);
    if (hba.added) {
      note("postgres listens on " + settings_.pg_listen +
           " (PGBR_PG_LISTEN) and pg_hba.conf admitted only this machine: added `host all all "
           "all " +
           init.host_auth_method + "`");
    }
    return InitResult{InitOutcome::kSkipped, ""};
  }
  if (std::string refusal = checkInitSettings(init); !refusal.empty()) {
    return InitResult{InitOutcome::kFailed, refusal};
  }
  if (std::string owner = dataDirectoryOwnerProblem(pgdata); !owner.empty())
    return InitResult{InitOutcome::kFailed, owner};
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
    hba << (listensBeyondLoopback(settings_.pg_listen) ? hbaEntry(init.host_auth_method)
                                                       : localOnlyHbaNote(init.host_auth_method));
    if (!init.replication_user.empty())
      hba << replicationHbaEntry(init.replication_user, init.host_auth_method);
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
  if (!init.replication_user.empty()) {
    note("creating the replication role " + init.replication_user);
    error = server_.createReplicationRole(params, init.replication_user, init.replication_password);
    if (!error.empty()) return fail("creating role " + init.replication_user + ": " + error);
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
