// openDumpStore (dump_store.h): a local path repository.
#include "supervisor/dumps/dump_store.h"

#include <filesystem>

#include "supervisor/storage/local_store.h"

namespace pgbr {

namespace {

std::string envOr(const Settings& settings, const std::string& name, const std::string& fallback) {
  auto it = settings.pgbackrest_env.find(name);
  return it == settings.pgbackrest_env.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace

std::unique_ptr<ObjectStore> openDumpStore(const Settings& settings, std::string* error) {
  const std::string type = envOr(settings, "PGBACKREST_REPO1_TYPE", "posix");
  if (type != "posix") {
    *error = "dumps are kept in a posix repository only; PGBACKREST_REPO1_TYPE is " + type;
    return nullptr;
  }
  std::string path = envOr(settings, "PGBACKREST_REPO1_PATH", "");
  if (path.empty()) {
    if (!settings.pgbackrest_config_rendered) {
      *error = "PGBACKREST_REPO1_PATH is needed to find the repository for dumps";
      return nullptr;
    }
    path = (std::filesystem::path(settings.state_dir) / "repo").string();
  }
  return std::make_unique<LocalStore>(std::filesystem::path(path) / "dumps" / settings.stanza);
}

}  // namespace pgbr
