#include "supervisor/backrest/info.h"

#include <limits>
#include <utility>

#include "supervisor/common/time_format.h"

namespace pgbr::backrest {
namespace {

using nlohmann::json;

// Epoch seconds beyond year 9999 cannot be formatted as RFC 3339 and would overflow
// system_clock on some platforms; pgBackRest never writes them, so they mean corrupt input.
constexpr uint64_t kMaxEpochSeconds = 253402300799ULL;

// Reads fields out of the parsed document. The first failure is kept with the path of the field
// ("backup[2].info.size: expected an unsigned integer"); later reads become no-ops.
class FieldReader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool fail(const std::string& path, std::string_view what) {
    if (ok()) error_ = path + ": " + std::string(what);
    return false;
  }

  // The member `key` of `obj`, or null when it is absent or JSON null.
  static const json* member(const json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  const json* object(const json& obj, const char* key, const std::string& path, bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      if (required) fail(join(path, key), "missing");
      return nullptr;
    }
    if (!value->is_object()) {
      fail(join(path, key), "expected an object");
      return nullptr;
    }
    return value;
  }

  const json* array(const json& obj, const char* key, const std::string& path, bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      if (required) fail(join(path, key), "missing");
      return nullptr;
    }
    if (!value->is_array()) {
      fail(join(path, key), "expected an array");
      return nullptr;
    }
    return value;
  }

  bool string(const json& obj, const char* key, const std::string& path, std::string& out) {
    const json* value = member(obj, key);
    if (value == nullptr) return fail(join(path, key), "missing");
    if (!value->is_string()) return fail(join(path, key), "expected a string");
    out = value->get<std::string>();
    return true;
  }

  // Absent and null both mean "none": pgBackRest writes null for an empty archive.
  bool optionalString(const json& obj, const char* key, const std::string& path,
                      std::optional<std::string>& out) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      out.reset();
      return true;
    }
    if (!value->is_string()) return fail(join(path, key), "expected a string or null");
    out = value->get<std::string>();
    return true;
  }

  bool uint64(const json& obj, const char* key, const std::string& path, uint64_t& out,
              bool required = true) {
    const json* value = member(obj, key);
    if (value == nullptr) return required ? fail(join(path, key), "missing") : true;
    // nlohmann keeps every non-negative integer as unsigned 64-bit, which is what system-id
    // needs; a float here would already have lost digits, so it is refused, not rounded.
    if (value->is_number_unsigned()) {
      out = value->get<uint64_t>();
      return true;
    }
    return fail(join(path, key), "expected an unsigned integer");
  }

  bool uint32(const json& obj, const char* key, const std::string& path, unsigned& out,
              bool required = true) {
    uint64_t wide = 0;
    if (!uint64(obj, key, path, wide, required)) return false;
    if (wide > std::numeric_limits<unsigned>::max()) return fail(join(path, key), "out of range");
    if (member(obj, key) != nullptr) out = static_cast<unsigned>(wide);
    return true;
  }

  bool integer(const json& obj, const char* key, const std::string& path, int& out) {
    const json* value = member(obj, key);
    if (value == nullptr) return fail(join(path, key), "missing");
    if (!value->is_number_integer()) return fail(join(path, key), "expected an integer");
    const auto wide =
        value->is_number_unsigned()
            ? static_cast<int64_t>(std::min<uint64_t>(value->get<uint64_t>(), INT64_MAX))
            : value->get<int64_t>();
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      return fail(join(path, key), "out of range");
    }
    out = static_cast<int>(wide);
    return true;
  }

  bool boolean(const json& obj, const char* key, const std::string& path, bool& out,
               bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) return required ? fail(join(path, key), "missing") : true;
    if (!value->is_boolean()) return fail(join(path, key), "expected true or false");
    out = value->get<bool>();
    return true;
  }

  bool epoch(const json& obj, const char* key, const std::string& path, WallTime& out) {
    uint64_t secs = 0;
    if (!uint64(obj, key, path, secs)) return false;
    if (secs > kMaxEpochSeconds) return fail(join(path, key), "timestamp out of range");
    out = WallTime(std::chrono::seconds(static_cast<int64_t>(secs)));
    return true;
  }

  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }
  static std::string index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string error_;
};

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
    if (!r.uint64(*repository, "size", rp_at, backup.repo_size) ||
        !r.uint64(*repository, "delta", rp_at, backup.repo_delta)) {
      return false;
    }
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

bool walInArchive(const BackupInfo& backup, const ArchiveRange& archive) {
  if (!backup.wal_start || !archive.min) return false;
  // WAL segment names are fixed-width hex (timeline, log, segment), so byte order is WAL order;
  // pgBackRest sorts them the same way to find min and max.
  if (*archive.min > *backup.wal_start) return false;
  if (archive.max && backup.wal_stop && *backup.wal_stop > *archive.max) return false;
  return true;
}

const ArchiveRange* archiveFor(const InfoModel& info, const BackupInfo& backup) {
  for (const ArchiveRange& archive : info.archives) {
    if (archive.db_id == backup.db_id && archive.repo_key == backup.repo_key) return &archive;
  }
  return nullptr;
}

json optionalJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::string apiStatusMessage(const InfoModel& info) {
  if (info.status.code != info_status::kOther) return info.status.message;
  // pgBackRest's stanza status says only "other"; the cause is in each failing repository.
  std::string message;
  for (const RepoStatus& repo : info.repos) {
    if (repo.status.code != info_status::kOther) continue;
    if (!message.empty()) message += "; ";
    message += "repo" + std::to_string(repo.key) + ": " + repo.status.message;
  }
  return message.empty() ? info.status.message : message;
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

const BackupInfo* findBackup(const InfoModel& info, std::string_view label) {
  for (const BackupInfo& backup : info.backups) {
    if (backup.label == label) return &backup;
  }
  return nullptr;
}

const BackupInfo* latest(const InfoModel& info) {
  const BackupInfo* best = nullptr;
  for (const BackupInfo& backup : info.backups) {
    if (best == nullptr || backup.finished_at >= best->finished_at) best = &backup;
  }
  return best;
}

const BackupInfo* oldestRecoverableBackup(const InfoModel& info) {
  const BackupInfo* oldest = nullptr;
  for (const BackupInfo& backup : info.backups) {
    if (backup.error) continue;
    const ArchiveRange* archive = archiveFor(info, backup);
    if (archive == nullptr || !walInArchive(backup, *archive)) continue;
    if (oldest == nullptr || backup.finished_at < oldest->finished_at) oldest = &backup;
  }
  return oldest;
}

std::optional<WallTime> recoverableFrom(const InfoModel& info) {
  const BackupInfo* backup = oldestRecoverableBackup(info);
  if (backup == nullptr) return std::nullopt;
  return backup->finished_at;
}

const ArchiveRange* currentArchive(const InfoModel& info) {
  if (info.dbs.empty()) return info.archives.empty() ? nullptr : &info.archives.back();
  const DbHistory& current = info.dbs.back();
  for (const ArchiveRange& archive : info.archives) {
    if (archive.db_id == current.id && archive.repo_key == current.repo_key) return &archive;
  }
  return nullptr;
}

json backupToApiJson(const BackupInfo& backup) {
  json annotation = json::object();
  for (const auto& [key, value] : backup.annotation) annotation[key] = value;
  json reference = json::array();
  for (const std::string& label : backup.reference) reference.push_back(label);
  const auto duration =
      std::chrono::duration_cast<std::chrono::seconds>(backup.finished_at - backup.started_at);
  return json{
      {"label", backup.label},
      {"type", backup.type},
      {"started_at", formatRfc3339(backup.started_at)},
      {"finished_at", formatRfc3339(backup.finished_at)},
      {"size", backup.size},
      {"repo_size", backup.repo_size},
      {"wal_start", optionalJson(backup.wal_start)},
      {"wal_stop", optionalJson(backup.wal_stop)},
      {"prior", optionalJson(backup.prior)},
      {"annotation", std::move(annotation)},
      {"duration_s", duration.count()},
      {"delta", backup.delta},
      {"repo_delta", backup.repo_delta},
      {"lsn_start", optionalJson(backup.lsn_start)},
      {"lsn_stop", optionalJson(backup.lsn_stop)},
      {"reference", std::move(reference)},
      {"error", backup.error},
      {"repo", backup.repo_key},
      {"pgbackrest_version", backup.backrest_version},
  };
}

json toApiJson(const InfoModel& info) {
  json backups = json::array();
  for (const BackupInfo& backup : info.backups) backups.push_back(backupToApiJson(backup));

  json repos = json::array();
  for (const RepoStatus& repo : info.repos) {
    repos.push_back({{"key", repo.key},
                     {"cipher", repo.cipher},
                     {"code", repo.status.code},
                     {"message", repo.status.message}});
  }

  json archive = {{"min", nullptr}, {"max", nullptr}};
  if (const ArchiveRange* current = currentArchive(info)) {
    archive = {{"min", optionalJson(current->min)},
               {"max", optionalJson(current->max)},
               {"id", current->id}};
  }

  json recoverable = {{"from", nullptr}, {"to", nullptr}, {"from_backup", nullptr}};
  if (const BackupInfo* oldest = oldestRecoverableBackup(info)) {
    recoverable["from"] = formatRfc3339(oldest->finished_at);
    recoverable["from_backup"] = oldest->label;
  }

  json result = {
      {"stanza", info.stanza},
      {"status",
       {{"code", info.status.code},
        {"message", apiStatusMessage(info)},
        {"backup_running", info.backup_lock_held}}},
      {"backups", std::move(backups)},
      {"archive", std::move(archive)},
      {"recoverable", std::move(recoverable)},
      {"repos", std::move(repos)},
      {"cipher", info.cipher},
      {"system_id", nullptr},
      {"pg_version", nullptr},
  };
  if (!info.dbs.empty()) {
    // As a string: JavaScript clients would round a 64-bit number.
    result["system_id"] = std::to_string(info.dbs.back().system_id);
    result["pg_version"] = info.dbs.back().version;
  }
  const BackupInfo* newest = latest(info);
  result["latest"] = newest != nullptr ? json(newest->label) : json(nullptr);
  return result;
}

}  // namespace pgbr::backrest
