#include "supervisor/config/backrest_folders.h"

#include "supervisor/common/errors.h"

namespace pgbr {

std::vector<NamedFolder> backrestFolders(const Settings& settings) {
  std::vector<NamedFolder> folders;
  for (const char* name :
       {"PGBACKREST_LOCK_PATH", "PGBACKREST_LOG_PATH", "PGBACKREST_SPOOL_PATH"}) {
    const auto it = settings.pgbackrest_env.find(name);
    if (it == settings.pgbackrest_env.end() || it->second.empty()) continue;
    if (it->second.front() != '/') {
      throw ConfigError(std::string(name) + ": \"" + it->second +
                        "\" is a relative path; use an absolute path (pgbackrest runs from "
                        "other directories)");
    }
    folders.push_back({name, it->second});
  }
  return folders;
}

}  // namespace pgbr
