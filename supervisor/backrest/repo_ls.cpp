#include "supervisor/backrest/repo_ls.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace pgbr::backrest {

std::optional<WalLocation> walLocation(std::string_view stanza, std::string_view archive_id,
                                       std::string_view wal) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  if (wal.size() != 24 || !std::all_of(wal.begin(), wal.end(), hex)) return std::nullopt;
  auto safe = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(),
                       [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                c == '_' || c == '.';
                       }) &&
           s != "." && s != "..";
  };
  if (!safe(stanza) || !safe(archive_id)) return std::nullopt;
  WalLocation at;
  at.path = "archive/" + std::string(stanza) + "/" + std::string(archive_id) + "/" +
            std::string(wal.substr(0, 16));
  at.filter = "^" + std::string(wal);
  return at;
}

std::optional<WallTime> newestFileTime(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  std::optional<int64_t> newest;
  for (const auto& [name, entry] : doc.items()) {
    if (!entry.is_object() || entry.value("type", "") != "file") continue;
    auto time = entry.find("time");
    if (time == entry.end() || !time->is_number_integer()) continue;
    const int64_t t = time->get<int64_t>();
    if (!newest || t > *newest) newest = t;
  }
  if (!newest) return std::nullopt;
  return WallTime(std::chrono::seconds(*newest));
}

}  // namespace pgbr::backrest
