// pgbr-supervisor: PID 1 of a PostgreSQL container. main() only wires the parts together:
// configuration, logging, privileges, the supervisor loop and the HTTP API.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/cli_dumps.h"
#include "api/cli_replica.h"
#include "api/local_client.h"
#include "api/server.h"
#include "pgbr_version.h"
#include "supervisor/config/backrest_folders.h"
#include "supervisor/config/config.h"
#include "supervisor/config/help.h"
#include "supervisor/config/listen_address.h"
#include "supervisor/drill/drill_capability.h"
#include "supervisor/dumps/dump_capability.h"
#include "supervisor/notify/notify_capability.h"
#include "supervisor/os/folders.h"
#include "supervisor/os/identity.h"
#include "supervisor/os/signals.h"
#include "supervisor/replica/bootstrap.h"
#include "supervisor/replica/replica_capability.h"
#include "supervisor/restore/restore_points_capability.h"
#include "supervisor/service/logging.h"
#include "supervisor/service/supervisor.h"
#include "supervisor/service/token.h"

namespace {

using namespace pgbr;

int fail(const std::string& line) {
  std::fprintf(stderr, "pgbr-supervisor: error: %s\n", line.c_str());
  return 2;
}

// `pgbr-supervisor healthcheck`: the image's HEALTHCHECK, with no curl in the image.
int healthcheck(const Settings& settings) {
  std::string host = "127.0.0.1";
  int port = 5000;
  if (auto colon = settings.api_listen.rfind(':'); colon != std::string::npos) {
    host = settings.api_listen.substr(0, colon);
    port = std::atoi(settings.api_listen.c_str() + colon + 1);
  }
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "[::]") host = "::1";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  httplib::Client client(host, port);
  client.set_connection_timeout(3);
  client.set_read_timeout(5);
  auto res = client.Get("/readyz");
  if (!res) {
    std::fprintf(stderr, "not ready: cannot reach %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::fprintf(res->status == 200 ? stdout : stderr, "%s\n", res->body.c_str());
  return res->status == 200 ? 0 : 1;
}

// Started as root: give the folders Postgres and pgBackRest write to their user, then drop to it.
// pgBackRest's own folders (PGBACKREST_LOCK_PATH, ...) are checked as that user either way.
std::string becomeRunUser(const Settings& settings) {
  const std::vector<NamedFolder> backrest = backrestFolders(settings);  // validated at load
  auto checkBackrestFolders = [&backrest]() -> std::string {
    for (const auto& folder : backrest) {
      if (auto err = checkFolderWritable(folder.setting, folder.path); !err.empty()) return err;
    }
    return {};
  };
  if (!runningAsRoot()) {
    auto me = currentUser();
    if (me && me->uid == 0) return "postgres cannot run as root";
    return checkBackrestFolders();
  }
  auto user = lookupUser(settings.run_as_user);
  if (!user) return "user " + settings.run_as_user + " does not exist; create it or set PGBR_USER";
  std::vector<std::pair<std::string, unsigned>> trees{{settings.pgdata, 0700},
                                                      {settings.state_dir, 0700}};
  if (!settings.init.initdb_waldir.empty()) trees.emplace_back(settings.init.initdb_waldir, 0700);
  if (const char* repo = std::getenv("PGBACKREST_REPO1_PATH");
      repo && (!std::getenv("PGBACKREST_REPO1_TYPE") ||
               std::string(std::getenv("PGBACKREST_REPO1_TYPE")) == "posix"))
    trees.emplace_back(repo, 0750);
  // Every start walks these trees before Postgres can start: a stat per entry, as the stock
  // image's `find` does. (Two walks side by side on two CPUs took as long as one after the
  // other.)
  for (const auto& [path, mode] : trees) {
    if (auto err = ensureOwnedTree(path, *user, mode); !err.empty()) return err;
  }
  if (auto err = ensureOwnedDir(settings.pg_socket_dir, *user, 02775); !err.empty()) return err;
  for (const auto& folder : backrest) {
    if (auto err = prepareFolder(folder.setting, folder.path, *user, 0750); !err.empty())
      return err;
  }
  std::error_code ec;
  std::filesystem::permissions(settings.pgdata, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (auto err = dropPrivileges(*user); !err.empty()) return err;
  return checkBackrestFolders();
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: every thread inherits the blocked mask, so signals queue up
  // for the loop instead of interrupting anyone.
  pgbr::blockSignals();
  pgbr::becomeSubreaper();
  pgbr::limitMallocArenas();

  std::vector<std::string> args(argv + 1, argv + argc);
  Invocation inv;
  try {
    inv = loadInvocation(args, ProcessEnvironment(), DiskFileReader());
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
  Settings& settings = inv.settings;
  switch (inv.command) {
    case Command::kHelp:
      std::cout << helpText();
      return 0;
    case Command::kVersion:
      std::cout << versionText() << "\n";
      return 0;
    case Command::kHealthcheck:
      return healthcheck(settings);
    case Command::kRestorePoint:
      return api::restorePointCommand(settings, inv.restore_point, std::cout, std::cerr);
    case Command::kDatabases:
      return api::databasesCommand(settings, inv.words, std::cout, std::cerr);
    case Command::kDumps:
      return api::dumpsCommand(settings, inv.words, std::cout, std::cerr);
    case Command::kPromote:
      return api::promoteCommand(settings, inv.words, std::cout, std::cerr);
    case Command::kExec:
      // `docker run IMAGE bash` runs bash, as the stock image's entrypoint does.
      return fail(execReplace(inv.exec_argv));
    case Command::kRun:
      break;
  }

  setupLogging(settings.log_format, settings.log_level, nullptr);
  if (auto err = becomeRunUser(settings); !err.empty()) return fail(err);
  // Children inherit the working directory; the one we were started from may be closed to the
  // postgres user (a checkout under /root), which Postgres reports on every start.
  if (auto err = enterDirectory(settings.state_dir); !err.empty()) enterDirectory("/");

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(settings.state_dir) / "logs", ec);
  auto supervisor_log = std::make_shared<LogSink>(
      "supervisor", std::filesystem::path(settings.state_dir) / "logs" / "supervisor.log",
      LogSinkOptions{settings.log_max_bytes, settings.log_keep, 2000});
  setupLogging(settings.log_format, settings.log_level, supervisor_log);
  spdlog::info("pgbr-supervisor {} starting (pid {}, stanza {}, data {}, state {})", PGBR_VERSION,
               currentPid(), settings.stanza, settings.pgdata, settings.state_dir);
  for (const auto& note : inv.notes) spdlog::info("{}", note);

  if (settings.api_auth == AuthMode::kNone) {
    spdlog::warn(
        "API authentication is OFF (PGBR_API_AUTH=none): anyone who reaches {} can run "
        "backups and restores",
        settings.api_listen);
  } else if (settings.api_token.empty()) {
    TokenResult token = loadOrCreateApiToken(settings.state_dir);
    if (!token.error.empty()) return fail(token.error);
    settings.api_token = token.token;
    spdlog::info(
        "API token {} {} (mode 0600); set PGBR_API_TOKEN or PGBR_API_TOKEN_FILE to choose one",
        token.generated ? "generated and stored in" : "read from", token.path);
  }

  SystemClock clock;
  Supervisor supervisor(settings, clock, supervisor_log);
  if (auto err = supervisor.prepare(); !err.empty()) return fail(err);
  supervisor.add(restorePointsCapability());  // after prepare(): it reads the state folder
  supervisor.add(makeDrillCapability);
  supervisor.add(makeDumpCapability);
  supervisor.add(makeNotifyCapability);
  supervisor.add(makeReplicaCapability());
  supervisor.setBootstrap([](CoreParts p) {
    return makeBootstrap(p.settings, p.children, p.backrest, p.postgres_log);
  });

  ApiOptions api_options;
  api_options.auth = settings.api_auth;
  api_options.token = settings.api_token;
  api_options.clock = &clock;
  ApiServer api(supervisor, api_options);
  if (auto err = api.bind(settings.api_listen); !err.empty()) return fail(err);
  // Postgres first: it takes a hundred milliseconds or more to become ready, and the API's
  // threads start meanwhile. The port is bound already, so nothing after this point fails.
  supervisor.begin();
  api.start();
  if (auto err = api::recordApiAddress(settings.state_dir, settings.api_listen, api.port());
      !err.empty())
    spdlog::warn("cannot record the api address for local commands: {}", err);
  spdlog::info("HTTP API and dashboard on http://{}/", settings.api_listen);

  int code = supervisor.run();
  api.stop();
  return code;
}
