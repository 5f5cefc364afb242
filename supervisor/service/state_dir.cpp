#include "supervisor/service/state_dir.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "supervisor/backrest/config_render.h"
#include "supervisor/common/file_write.h"
#include "supervisor/os/identity.h"

namespace pgbr {
namespace fs = std::filesystem;

std::string prepareStateDir(const Settings& settings) {
  const fs::path state(settings.state_dir);
  std::error_code ec;
  for (const auto& dir : {state, state / "logs", state / "jobs", state / "log" / "pgbackrest",
                          state / "lock", state / "spool"}) {
    fs::create_directories(dir, ec);
    if (ec) return "cannot create " + dir.string() + ": " + ec.message() + "; check PGBR_STATE_DIR";
  }
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace, ec);

  if (settings.pgbackrest_config_rendered) {
    std::map<std::string, std::string> vars{
        {backrest::kConfigStateDir, settings.state_dir},
        {backrest::kConfigProcessMax, std::to_string(std::max(1, onlineCpus()))},
        {backrest::kConfigStanza, settings.stanza},
        {backrest::kConfigPgdata, settings.pgdata},
        {backrest::kConfigPgPort, std::to_string(settings.pg_port)},
        {backrest::kConfigPgSocketDir, settings.pg_socket_dir},
        {backrest::kConfigPgUser, settings.init.user}};
    std::string rendered;
    try {
      rendered = backrest::renderConfig(backrest::defaultConfigTemplate(), vars);
    } catch (const std::exception& e) {
      return std::string("cannot render pgbackrest.conf: ") + e.what();
    }
    std::string err = writeFileIfChanged(settings.pgbackrest_config, rendered,
                                         fs::perms::owner_read | fs::perms::owner_write);
    if (!err.empty()) return err;
  } else if (!fs::exists(settings.pgbackrest_config, ec)) {
    return "PGBACKREST_CONFIG names " + settings.pgbackrest_config +
           ", which does not exist; mount the file or unset the variable";
  }
  // A local repository must exist and belong to us; S3 needs nothing here.
  const char* repo_type = std::getenv("PGBACKREST_REPO1_TYPE");
  if (settings.pgbackrest_config_rendered && (!repo_type || std::string(repo_type) == "posix")) {
    const char* repo_path = std::getenv("PGBACKREST_REPO1_PATH");
    fs::create_directories(repo_path ? fs::path(repo_path) : state / "repo", ec);
  }
  return {};
}

}  // namespace pgbr
