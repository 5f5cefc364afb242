// DumpCatalog (dump_catalog.h).
#include "supervisor/dumps/dump_catalog.h"

#include <algorithm>
#include <map>
#include <set>

#include "supervisor/common/json_text.h"

namespace pgbr {

namespace {

std::string runOf(const std::string& key) {
  const auto slash = key.find('/');
  return slash == std::string::npos ? "" : key.substr(0, slash);
}

}  // namespace

std::vector<std::string> expiredRuns(const std::vector<DumpManifest>& newest_first,
                                     const DumpRetention& retention, WallTime now) {
  std::vector<std::string> out;
  for (size_t i = 1; i < newest_first.size(); ++i) {
    const DumpManifest& m = newest_first[i];
    const bool by_count = retention.keep_runs > 0 && i >= static_cast<size_t>(retention.keep_runs);
    const bool by_age = retention.keep_days > 0 &&
                        now - m.finished_at > std::chrono::hours(24) * retention.keep_days;
    if (by_count || by_age) out.push_back(m.id);
  }
  return out;
}

std::string DumpCatalog::list(std::vector<DumpManifest>* out,
                              std::vector<UnreadableRun>* unreadable) {
  std::vector<ObjectInfo> objects;
  if (std::string error = store_.list("", &objects); !error.empty()) return error;
  for (const ObjectInfo& o : objects) {
    const std::string id = runOf(o.key);
    if (!validDumpRunId(id) || o.key != manifestKey(id)) continue;
    std::string error;
    if (auto m = manifest(id, &error))
      out->push_back(std::move(*m));
    else
      unreadable->push_back({id, error});
  }
  std::sort(out->begin(), out->end(),
            [](const DumpManifest& a, const DumpManifest& b) { return a.id > b.id; });
  return {};
}

std::optional<DumpManifest> DumpCatalog::manifest(const std::string& id, std::string* error) {
  std::string text;
  std::string problem = store_.read(manifestKey(id), [&](std::string_view chunk) {
    text.append(chunk);
    return text.size() < 64 * 1024 * 1024;  // a manifest is small; anything else is not one
  });
  if (!problem.empty()) {
    *error = problem;
    return std::nullopt;
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    *error = store_.encrypted() ? "the manifest is not JSON: wrong passphrase (repo cipher-pass) "
                                  "or damaged data"
                                : "the manifest is not JSON";
    return std::nullopt;
  }
  auto m = manifestFromJson(j, error);
  if (m && m->id != id) {
    *error = "the manifest names run " + m->id;
    return std::nullopt;
  }
  return m;
}

std::string DumpCatalog::writeManifest(const DumpManifest& manifest) {
  std::string error;
  auto writer = store_.create(manifestKey(manifest.id), &error);
  if (!writer) return error;
  if (error = writer->write(dumpJson(toJson(manifest), 1) + "\n"); !error.empty()) return error;
  return writer->commit();
}

std::string DumpCatalog::remove(const std::string& id) {
  if (std::string error = store_.remove(manifestKey(id)); !error.empty()) return error;
  std::vector<ObjectInfo> objects;
  if (std::string error = store_.list(id + "/", &objects); !error.empty()) return error;
  for (const ObjectInfo& o : objects)
    if (std::string error = store_.remove(o.key); !error.empty()) return error;
  return {};
}

std::string DumpCatalog::leftovers(std::vector<std::string>* ids) {
  std::vector<ObjectInfo> objects;
  if (std::string error = store_.list("", &objects); !error.empty()) return error;
  std::map<std::string, bool> runs;  // id -> has a manifest
  for (const ObjectInfo& o : objects) {
    const std::string id = runOf(o.key);
    if (!validDumpRunId(id)) continue;
    runs[id] = runs[id] || o.key == manifestKey(id);
  }
  for (const auto& [id, complete] : runs)
    if (!complete) ids->push_back(id);
  return {};
}

}  // namespace pgbr
