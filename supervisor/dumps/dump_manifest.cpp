// DumpManifest (dump_manifest.h).
#include "supervisor/dumps/dump_manifest.h"

#include <cstdio>
#include <ctime>

#include "supervisor/common/time_format.h"

namespace pgbr {

namespace {

nlohmann::json fileJson(const DumpFile& f) {
  return {{"key", f.key}, {"size", f.size}, {"sha256", f.sha256}};
}

DumpFile fileFrom(const nlohmann::json& j) {
  DumpFile f;
  f.key = j.at("key").get<std::string>();
  f.size = j.at("size").get<uint64_t>();
  f.sha256 = j.at("sha256").get<std::string>();
  return f;
}

std::optional<WallTime> timeFrom(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  return parseRfc3339(j[name].get<std::string>());
}

bool keyChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

uint64_t DumpManifest::totalSize() const {
  uint64_t total = globals ? globals->size : 0;
  for (const DumpDatabase& db : databases) total += db.file.size;
  return total;
}

const DumpDatabase* DumpManifest::database(const std::string& name) const {
  for (const DumpDatabase& db : databases)
    if (db.name == name) return &db;
  return nullptr;
}

nlohmann::json summaryJson(const DumpManifest& m) {
  nlohmann::json dbs = nlohmann::json::array();
  for (const DumpDatabase& db : m.databases)
    dbs.push_back({{"name", db.name},
                   {"size", db.file.size},
                   {"seconds", db.seconds},
                   {"tables", db.tables.size()}});
  return {{"id", m.id},
          {"started_at", formatRfc3339(m.started_at)},
          {"finished_at", formatRfc3339(m.finished_at)},
          {"seconds", std::chrono::duration<double>(m.finished_at - m.started_at).count()},
          {"trigger", m.trigger},
          {"annotation", m.annotation},
          {"size", m.totalSize()},
          {"encrypted", m.encrypted},
          {"globals", m.globals.has_value()},
          {"databases", std::move(dbs)}};
}

nlohmann::json toJson(const DumpManifest& m) {
  nlohmann::json j = summaryJson(m);
  j["format"] = m.format;
  j["stanza"] = m.stanza;
  j["server_version"] = m.server_version;
  j["pg_dump_version"] = m.pg_dump_version;
  j["store"] = m.store;
  j["globals"] = m.globals ? fileJson(*m.globals) : nlohmann::json(nullptr);
  nlohmann::json dbs = nlohmann::json::array();
  for (const DumpDatabase& db : m.databases) {
    nlohmann::json tables = nlohmann::json::array();
    for (const DumpTable& t : db.tables)
      tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}});
    dbs.push_back({{"name", db.name},
                   {"file", fileJson(db.file)},
                   {"size", db.file.size},
                   {"seconds", db.seconds},
                   {"encoding", db.encoding},
                   {"collate", db.collate},
                   {"ctype", db.ctype},
                   {"tables", std::move(tables)}});
  }
  j["databases"] = std::move(dbs);
  return j;
}

std::optional<DumpManifest> manifestFromJson(const nlohmann::json& j, std::string* error) {
  try {
    DumpManifest m;
    m.format = j.value("format", 1);
    if (m.format != 1) {
      *error = "manifest format " + std::to_string(m.format) + " is newer than this supervisor";
      return std::nullopt;
    }
    m.id = j.at("id").get<std::string>();
    m.stanza = j.value("stanza", "");
    auto started = timeFrom(j, "started_at");
    auto finished = timeFrom(j, "finished_at");
    if (!started || !finished) {
      *error = "manifest without its start and end";
      return std::nullopt;
    }
    m.started_at = *started;
    m.finished_at = *finished;
    m.trigger = j.value("trigger", "");
    m.annotation = j.value("annotation", "");
    m.server_version = j.value("server_version", "");
    m.pg_dump_version = j.value("pg_dump_version", "");
    m.encrypted = j.value("encrypted", false);
    m.store = j.value("store", "");
    if (j.contains("globals") && j["globals"].is_object()) m.globals = fileFrom(j["globals"]);
    for (const auto& d : j.at("databases")) {
      DumpDatabase db;
      db.name = d.at("name").get<std::string>();
      db.file = fileFrom(d.at("file"));
      db.seconds = d.value("seconds", 0.0);
      db.encoding = d.value("encoding", "");
      db.collate = d.value("collate", "");
      db.ctype = d.value("ctype", "");
      for (const auto& t : d.at("tables"))
        db.tables.push_back({t.at("schema").get<std::string>(), t.at("name").get<std::string>(),
                             t.at("rows").get<int64_t>()});
      m.databases.push_back(std::move(db));
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("damaged manifest: ") + e.what();
    return std::nullopt;
  }
}

std::string dumpRunId(WallTime started) {
  const auto since = started.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d%02d%02d-%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool validDumpRunId(std::string_view id) {
  if (id.size() != 19) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 15;
    if (dash ? id[i] != '-' : (id[i] < '0' || id[i] > '9')) return false;
  }
  return true;
}

std::string databaseKey(const std::string& id, size_t index, const std::string& database) {
  std::string name;
  for (unsigned char c : database) {
    if (name.size() >= 48) break;
    name += keyChar(c) ? static_cast<char>(c) : '_';
  }
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%03zu-", index);
  return id + "/" + prefix + name + ".dump";
}

}  // namespace pgbr
