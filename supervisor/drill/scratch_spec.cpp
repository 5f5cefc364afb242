// The command lines of a scratch cluster (scratch_cluster.h): pgBackRest's restore into the
// scratch folder and the copy's postmaster. Pure: built from settings and the layout only.
#include <algorithm>
#include <filesystem>

#include "supervisor/drill/scratch_cluster.h"
#include "supervisor/postgres/server.h"

namespace pgbr {

namespace {

// One word for /bin/sh: Postgres runs restore_command through a shell.
std::string shellWord(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string findTool(const char* name) {
  for (const char* dir : {"/usr/bin/", "/bin/"}) {
    std::error_code ec;
    const std::string path = std::string(dir) + name;
    if (std::filesystem::exists(path, ec)) return path;
  }
  return {};
}

}  // namespace

std::string_view toString(ScratchState state) {
  switch (state) {
    case ScratchState::kReady:
      return "ready";
    case ScratchState::kExited:
      return "exited";
    case ScratchState::kTimedOut:
      return "timed out";
    case ScratchState::kCancelled:
      return "cancelled";
    case ScratchState::kFailed:
      return "failed";
  }
  return "failed";
}

int scratchPort(int live_port) {
  return live_port >= 65535 ? live_port - 1 : live_port + 1;
}

std::vector<std::string> lowPriority(std::vector<std::string> argv) {
  // Lowest CPU priority; the lowest best-effort I/O class rather than "idle", which a busy live
  // database could starve for hours.
  std::vector<std::string> prefix;
  if (const std::string nice = findTool("nice"); !nice.empty())
    prefix.insert(prefix.end(), {nice, "-n", "19"});
  if (const std::string ionice = findTool("ionice"); !ionice.empty())
    prefix.insert(prefix.end(), {ionice, "-c", "2", "-n", "7"});
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  return argv;
}

std::optional<backrest::Argv> scratchRestoreArgv(const backrest::CommandContext& ctx,
                                                 const ScratchLayout& layout,
                                                 const backrest::RestoreOptions& what,
                                                 std::string* error) {
  backrest::CommandContext scratch = ctx;
  scratch.extra.push_back("--pg1-path=" + layout.data().string());
  // Tablespaces would otherwise be restored to the live cluster's own locations.
  scratch.extra.push_back("--tablespace-map-all=" + layout.tablespaces().string());
  scratch.extra.emplace_back("--archive-mode=off");
  // A restore removes the stanza's archive spool folder before it starts (so that old
  // acknowledgements cannot mislead a new cluster); the live cluster's asynchronous archive-push
  // keeps its queue there, so the restore gets a spool of its own. (The copy's synchronous
  // archive-get uses no spool, and pgBackRest refuses the option there.)
  scratch.extra.push_back("--spool-path=" + layout.spool().string());
  std::optional<backrest::Argv> argv = backrest::restoreCommand(scratch, what, error);
  if (!argv) return argv;
  // --delta compares against files already there; the scratch folder is empty, and pgBackRest
  // would only warn that it cannot find PG_VERSION to confirm a data directory.
  argv->erase(std::remove(argv->begin(), argv->end(), "--delta"), argv->end());
  return argv;
}

std::vector<std::string> scratchPostmasterArgv(const Settings& settings,
                                               const ScratchLayout& layout, int port) {
  const std::string data = layout.data().string();
  std::string restore_command = shellWord(settings.pgbackrest_bin);
  if (!settings.pgbackrest_config.empty())
    restore_command += " " + shellWord("--config=" + settings.pgbackrest_config);
  restore_command += " " + shellWord("--stanza=" + settings.stanza) + " " +
                     shellWord("--pg1-path=" + data) + " --archive-async=n archive-get %f \"%p\"";
  std::vector<std::string> argv{pgBinary(settings, "postgres"), "-D", data};
  auto set = [&argv](const std::string& name, const std::string& value) {
    argv.emplace_back("-c");
    argv.push_back(name + "=" + value);
  };
  // A data_directory in the restored postgresql.conf would otherwise win over -D.
  set("data_directory", data);
  set("port", std::to_string(port));
  set("listen_addresses", "");
  set("unix_socket_directories", socketDirectoriesValue(layout.socketDir().string()));
  set("archive_mode", "off");
  set("restore_command", restore_command);
  // Commands of the live cluster's configuration that might act on shared folders.
  set("archive_cleanup_command", "");
  set("recovery_end_command", "");
  // Never a standby of anything, never waiting for a synchronous standby after promotion.
  set("primary_conninfo", "");
  set("primary_slot_name", "");
  set("synchronous_standby_names", "");
  set("hot_standby", "on");
  // Modest memory beside the live cluster; the parameters recovery checks against the primary
  // (max_connections, max_wal_senders, ...) keep their restored values.
  set("shared_buffers", "128MB");
  set("huge_pages", "off");
  set("autovacuum", "off");
  set("ssl", "off");
  set("logging_collector", "off");
  set("log_destination", "stderr");
  set("cluster_name", "pgbr-scratch");
  set("default_transaction_read_only", "off");
  return argv;
}

}  // namespace pgbr
