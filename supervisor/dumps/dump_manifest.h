// The manifest of one dump run (the seeds' meta.json, richer): which databases were dumped, each
// table's row count read in the snapshot its dump reads, every file's size and SHA-256, the
// durations, the server's and pg_dump's versions and the annotation. It is the run's last object
// (<id>/manifest.json): a run without one is incomplete and never listed, restored or counted for
// retention.
//
// Keys: a run's files live under <id>/; a database's dump is <id>/<n>-<name>.dump, where <name>
// is the database name with every character a key may not hold replaced by '_' (names with
// spaces, quotes and non-ASCII letters are fine; the manifest maps the real name to the key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"

namespace pgbr {

struct DumpFile {
  std::string key;     // relative to the store's root
  uint64_t size = 0;   // bytes of the plain dump (before any encryption)
  std::string sha256;  // of the plain dump, lowercase hex
};

struct DumpTable {
  std::string schema;
  std::string name;
  int64_t rows = 0;
};

struct DumpDatabase {
  std::string name;
  DumpFile file;
  double seconds = 0;                    // counting and dumping
  std::string encoding, collate, ctype;  // for CREATE DATABASE on restore
  std::vector<DumpTable> tables;         // by schema, then name
};

struct DumpManifest {
  int format = 1;
  std::string id;
  std::string stanza;
  WallTime started_at{};
  WallTime finished_at{};
  std::string trigger;  // "api", "schedule"
  std::string annotation;
  std::string server_version;   // server_version of the dumped server
  std::string pg_dump_version;  // pg_dump --version
  bool encrypted = false;
  std::string store;  // where, for people: "local /repo/dumps/main"
  std::optional<DumpFile> globals;
  std::vector<DumpDatabase> databases;

  uint64_t totalSize() const;
  const DumpDatabase* database(const std::string& name) const;
};

nlohmann::json toJson(const DumpManifest& manifest);
// Tolerant of unknown fields; nullopt (with `error`) for a manifest it cannot use.
std::optional<DumpManifest> manifestFromJson(const nlohmann::json& j, std::string* error);
// The short form the run list shows: no tables.
nlohmann::json summaryJson(const DumpManifest& manifest);

// A run id from its start: "20261206-201500-123" (UTC, milliseconds), sortable as text.
std::string dumpRunId(WallTime started);
// True for ids dumpRunId makes (the API refuses anything else before it touches the store).
bool validDumpRunId(std::string_view id);
// The key of a database's dump within run `id` (see above).
std::string databaseKey(const std::string& id, size_t index, const std::string& database);
inline std::string manifestKey(const std::string& id) {
  return id + "/manifest.json";
}

}  // namespace pgbr
