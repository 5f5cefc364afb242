// parseInfo: `pgbackrest info --output=json` into an InfoModel (see info.h for the policy).
#include "supervisor/backrest/info.h"

#include <utility>

#include "supervisor/backrest/json_field_reader.h"

namespace pgbr::backrest {
namespace {

using nlohmann::json;

bool readStatus(FieldReader& r, const json& obj, const std::string& path, InfoStatus& out) {
  const json* status = r.object(obj, "status", path, true);
  if (status == nullptr) return false;
  const std::string at = FieldReader::join(path, "status");
  return r.integer(*status, "code", at, out.code) && r.string(*status, "message", at, out.message);
}

bool readRepos(FieldReader& r, const json& stanza, InfoModel& model) {
  const json* repos = r.array(stanza, "repo", "", false);
  if (repos == nullptr) return r.ok();
  for (size_t i = 0; i < repos->size(); ++i) {
    const std::string at = FieldReader::index("repo", i);
    const json& item = (*repos)[i];
    if (!item.is_object()) return r.fail(at, "expected an object");
    RepoStatus repo;
    if (!r.uint32(item, "key", at, repo.key)) return false;
    if (FieldReader::member(item, "cipher") != nullptr &&
        !r.string(item, "cipher", at, repo.cipher)) {
      return false;
    }
    if (!readStatus(r, item, at, repo.status)) return false;
    model.repos.push_back(std::move(repo));
  }
  return true;
}

bool readDbs(FieldReader& r, const json& stanza, InfoModel& model) {
  const json* dbs = r.array(stanza, "db", "", false);
  if (dbs == nullptr) return r.ok();
  for (size_t i = 0; i < dbs->size(); ++i) {
    const std::string at = FieldReader::index("db", i);
    const json& item = (*dbs)[i];
    if (!item.is_object()) return r.fail(at, "expected an object");
    DbHistory db;
    if (!r.uint32(item, "id", at, db.id) || !r.uint32(item, "repo-key", at, db.repo_key, false) ||
        !r.uint64(item, "system-id", at, db.system_id) ||
        !r.string(item, "version", at, db.version)) {
      return false;
    }
    model.dbs.push_back(std::move(db));
  }
  return true;
}

bool readArchives(FieldReader& r, const json& stanza, InfoModel& model) {
  const json* archives = r.array(stanza, "archive", "", false);
  if (archives == nullptr) return r.ok();
  for (size_t i = 0; i < archives->size(); ++i) {
    const std::string at = FieldReader::index("archive", i);
    const json& item = (*archives)[i];
    if (!item.is_object()) return r.fail(at, "expected an object");
    ArchiveRange archive;
    if (!r.string(item, "id", at, archive.id) || !r.optionalString(item, "min", at, archive.min) ||
        !r.optionalString(item, "max", at, archive.max)) {
      return false;
    }
    const json* database = r.object(item, "database", at, true);
    if (database == nullptr) return false;
    const std::string db_at = FieldReader::join(at, "database");
    if (!r.uint32(*database, "id", db_at, archive.db_id) ||
        !r.uint32(*database, "repo-key", db_at, archive.repo_key, false)) {
      return false;
    }
    model.archives.push_back(std::move(archive));
  }
  return true;
}

bool readBackup(FieldReader& r, const json& item, const std::string& at, BackupInfo& backup) {
  if (!item.is_object()) return r.fail(at, "expected an object");
  if (!r.string(item, "label", at, backup.label) || !r.string(item, "type", at, backup.type)) {
    return false;
  }

  const json* timestamp = r.object(item, "timestamp", at, true);
  if (timestamp == nullptr) return false;
  const std::string ts_at = FieldReader::join(at, "timestamp");
  if (!r.epoch(*timestamp, "start", ts_at, backup.started_at) ||
      !r.epoch(*timestamp, "stop", ts_at, backup.finished_at)) {
    return false;
  }

  // archive and lsn are null for backups taken without WAL checks or by old versions.
  if (const json* archive = r.object(item, "archive", at, false)) {
    const std::string a_at = FieldReader::join(at, "archive");
    if (!r.optionalString(*archive, "start", a_at, backup.wal_start) ||
        !r.optionalString(*archive, "stop", a_at, backup.wal_stop)) {
      return false;
    }
  }
  if (const json* lsn = r.object(item, "lsn", at, false)) {
    const std::string l_at = FieldReader::join(at, "lsn");
    if (!r.optionalString(*lsn, "start", l_at, backup.lsn_start) ||
        !r.optionalString(*lsn, "stop", l_at, backup.lsn_stop)) {
      return false;
    }
  }

  const json* info = r.object(item, "info", at, true);
  if (info == nullptr) return false;
  const std::string i_at = FieldReader::join(at, "info");
  if (!r.uint64(*info, "size", i_at, backup.size) ||
      !r.uint64(*info, "delta", i_at, backup.delta)) {
    return false;
  }
  if (const json* repository = r.object(*info, "repository", i_at, false)) {
    const std::string rp_at = FieldReader::join(i_at, "repository");
    uint64_t repo_size = 0;
    if (!r.uint64(*repository, "size", rp_at, repo_size, false) ||
        !r.uint64(*repository, "delta", rp_at, backup.repo_delta)) {
      return false;
    }
    if (repository->contains("size")) backup.repo_size = repo_size;
  }
  if (!r.ok()) return false;

  if (!r.optionalString(item, "prior", at, backup.prior)) return false;
  if (const json* reference = r.array(item, "reference", at, false)) {
    for (size_t k = 0; k < reference->size(); ++k) {
      const json& label = (*reference)[k];
      if (!label.is_string()) {
        return r.fail(FieldReader::index(FieldReader::join(at, "reference"), k),
                      "expected a string");
      }
      backup.reference.push_back(label.get<std::string>());
    }
  }
  if (!r.ok()) return false;

  // pgBackRest 2.45 writes "annotation" only when the backup has one.
  if (const json* annotation = r.object(item, "annotation", at, false)) {
    for (const auto& [key, value] : annotation->items()) {
      if (!value.is_string()) {
        return r.fail(FieldReader::join(at, "annotation") + "." + key, "expected a string");
      }
      backup.annotation.emplace(key, value.get<std::string>());
    }
  }
  if (!r.ok()) return false;

  if (!r.boolean(item, "error", at, backup.error, false)) return false;
  if (const json* database = r.object(item, "database", at, false)) {
    const std::string d_at = FieldReader::join(at, "database");
    if (!r.uint32(*database, "id", d_at, backup.db_id, false) ||
        !r.uint32(*database, "repo-key", d_at, backup.repo_key, false)) {
      return false;
    }
  }
  if (const json* backrest = r.object(item, "backrest", at, false)) {
    if (const json* version = FieldReader::member(*backrest, "version"); version != nullptr) {
      if (!version->is_string()) {
        return r.fail(FieldReader::join(at, "backrest.version"), "expected a string");
      }
      backup.backrest_version = version->get<std::string>();
    }
  }
  return r.ok();
}

bool readBackups(FieldReader& r, const json& stanza, InfoModel& model) {
  const json* backups = r.array(stanza, "backup", "", false);
  if (backups == nullptr) return r.ok();
  for (size_t i = 0; i < backups->size(); ++i) {
    BackupInfo backup;
    if (!readBackup(r, (*backups)[i], FieldReader::index("backup", i), backup)) return false;
    model.backups.push_back(std::move(backup));
  }
  return true;
}

std::optional<InfoModel> readStanza(const json& stanza, std::string* error) {
  FieldReader r;
  InfoModel model;
  bool ok = r.string(stanza, "name", "", model.stanza) && readStatus(r, stanza, "", model.status);
  if (ok) {
    // status.lock appeared in 2.28; without it nothing is known to be running.
    const json& status = stanza["status"];
    if (const json* lock = r.object(status, "lock", "status", false)) {
      if (const json* backup = r.object(*lock, "backup", "status.lock", false)) {
        r.boolean(*backup, "held", "status.lock.backup", model.backup_lock_held, false);
      }
    }
    if (FieldReader::member(stanza, "cipher") != nullptr)
      r.string(stanza, "cipher", "", model.cipher);
    ok = r.ok() && readRepos(r, stanza, model) && readDbs(r, stanza, model) &&
         readArchives(r, stanza, model) && readBackups(r, stanza, model);
  }
  if (!ok || !r.ok()) {
    if (error != nullptr) {
      *error = "unexpected pgbackrest info output: " + r.error();
      if (!model.stanza.empty()) *error += " (stanza '" + model.stanza + "')";
    }
    return std::nullopt;
  }
  return model;
}

std::optional<json> parseDocument(std::string_view text, std::string* error) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    if (error != nullptr) {
      *error = "pgbackrest info did not print valid json";
      if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) *error += " (empty output)";
    }
    return std::nullopt;
  }
  if (!doc.is_array()) {
    if (error != nullptr)
      *error = "unexpected pgbackrest info output: expected an array of stanzas";
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::optional<InfoModel> parseInfo(std::string_view json_text, std::string_view stanza,
                                   std::string* error) {
  std::optional<json> doc = parseDocument(json_text, error);
  if (!doc) return std::nullopt;
  for (const json& item : *doc) {
    const json* name = FieldReader::member(item, "name");
    if (name != nullptr && name->is_string() && name->get<std::string>() == stanza) {
      return readStanza(item, error);
    }
  }
  if (error != nullptr) {
    *error = "pgbackrest info reported no stanza '" + std::string(stanza) +
             "': check the stanza name (PGBR_STANZA) and the repository settings";
  }
  return std::nullopt;
}

std::optional<InfoModel> parseInfo(std::string_view json_text, std::string* error) {
  std::optional<json> doc = parseDocument(json_text, error);
  if (!doc) return std::nullopt;
  if (doc->size() != 1) {
    if (error != nullptr) {
      *error = "pgbackrest info reported " + std::to_string(doc->size()) +
               " stanzas where one was expected: run it with --stanza";
    }
    return std::nullopt;
  }
  return readStanza((*doc)[0], error);
}

}  // namespace pgbr::backrest
