#include "supervisor/backrest/stanza_owner.h"

#include <charconv>
#include <cstdint>

namespace pgbr::backrest {

namespace {

// 150004 -> "15", 90624 -> "9.6"; "" when unknown.
std::string majorOfVersionNum(int num) {
  if (num <= 0) return "";
  if (num >= 100000) return std::to_string(num / 10000);
  return std::to_string(num / 10000) + "." + std::to_string(num / 100 % 100);
}

std::string describe(uint64_t system_id, const std::string& version) {
  std::string text = "system identifier " + std::to_string(system_id);
  if (!version.empty()) text += ", PostgreSQL " + version;
  return text;
}

}  // namespace

std::optional<std::string> stanzaMismatch(const InfoModel& model, std::string_view local_system_id,
                                          int local_version_num) {
  if (model.dbs.empty()) return std::nullopt;
  uint64_t local = 0;
  const char* end = local_system_id.data() + local_system_id.size();
  auto [p, ec] = std::from_chars(local_system_id.data(), end, local);
  if (local_system_id.empty() || ec != std::errc{} || p != end) return std::nullopt;
  const DbHistory& current = model.dbs.back();
  if (current.system_id == local) return std::nullopt;
  return "stanza " + model.stanza + " of the repository holds the backups of another database (" +
         describe(current.system_id, current.version) + ") than this one (" +
         describe(local, majorOfVersionNum(local_version_num)) +
         "): this database's WAL and backups cannot go into it, and a restore from it would "
         "replace this database with that one. Give this database a repository of its own (a new "
         "volume, or PGBACKREST_REPO1_PATH) or a stanza of its own (PGBR_STANZA)";
}

}  // namespace pgbr::backrest
