#include "supervisor/postgres/row_counts.h"

#include <charconv>

#include "supervisor/common/json_time.h"

namespace pgbr {

namespace {

constexpr const char* kTables = R"sql(
SELECT c.oid::text, n.nspname, c.relname, (c.relpersistence = 'u')::text,
       (c.relkind = 'm' AND NOT c.relispopulated)::text,
       coalesce(s.n_tup_ins, 0)::text, coalesce(s.n_tup_del, 0)::text,
       coalesce(pg_relation_filenode(c.oid)::text, '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'm') AND c.relpersistence IN ('p', 'u')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY n.nspname, c.relname)sql";

int64_t number(const std::optional<std::string>& text) {
  int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

TableMods modsOf(const std::vector<std::optional<std::string>>& row) {
  return {number(row[5]), number(row[6]), row[7].value_or("")};
}

nlohmann::json modsJson(const TableMods& m) {
  return {{"inserted", m.inserted}, {"deleted", m.deleted}, {"filenode", m.filenode}};
}

std::optional<TableMods> modsFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  return TableMods{j.value("inserted", int64_t{0}), j.value("deleted", int64_t{0}),
                   j.value("filenode", std::string())};
}

}  // namespace

nlohmann::json toJson(const RowCountRecord& record) {
  nlohmann::json dbs = nlohmann::json::array();
  for (const DatabaseRows& db : record.databases) {
    nlohmann::json tables = nlohmann::json::array();
    for (const TableRows& t : db.tables) {
      nlohmann::json jt{{"oid", t.oid},
                        {"schema", t.schema},
                        {"name", t.name},
                        {"unlogged", t.unlogged},
                        {"unpopulated", t.unpopulated}};
      jt["rows"] = t.rows ? nlohmann::json(*t.rows) : nlohmann::json(nullptr);
      if (!t.error.empty()) jt["error"] = t.error;
      if (t.carried) jt["carried"] = true;
      if (t.before) jt["before"] = modsJson(*t.before);
      if (t.after) jt["after"] = modsJson(*t.after);
      tables.push_back(std::move(jt));
    }
    nlohmann::json jd{{"name", db.name}, {"tables", std::move(tables)}};
    if (!db.error.empty()) jd["error"] = db.error;
    dbs.push_back(std::move(jd));
  }
  return {{"label", record.label},
          {"counted_at", formatRfc3339(record.counted_at)},
          {"databases", std::move(dbs)}};
}

std::optional<RowCountRecord> rowCountRecordFromJson(const nlohmann::json& j) {
  try {
    RowCountRecord record;
    record.label = j.at("label").get<std::string>();
    if (auto t = parseRfc3339(j.value("counted_at", std::string()))) record.counted_at = *t;
    for (const auto& jd : j.at("databases")) {
      DatabaseRows db;
      db.name = jd.at("name").get<std::string>();
      db.error = jd.value("error", std::string());
      for (const auto& jt : jd.at("tables")) {
        TableRows t;
        t.oid = jt.at("oid").get<uint32_t>();
        t.schema = jt.at("schema").get<std::string>();
        t.name = jt.at("name").get<std::string>();
        t.unlogged = jt.value("unlogged", false);
        t.unpopulated = jt.value("unpopulated", false);
        if (jt.contains("rows") && jt["rows"].is_number_integer())
          t.rows = jt["rows"].get<int64_t>();
        t.error = jt.value("error", std::string());
        t.carried = jt.value("carried", false);
        if (jt.contains("before")) t.before = modsFromJson(jt["before"]);
        if (jt.contains("after")) t.after = modsFromJson(jt["after"]);
        db.tables.push_back(std::move(t));
      }
      record.databases.push_back(std::move(db));
    }
    return record;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::optional<int64_t> carriedCount(const TableRows& previous, const TableMods& now) {
  if (!previous.rows || !previous.after || !(*previous.after == now)) return std::nullopt;
  return previous.rows;
}

std::string postmasterStart(const ConnParams& params) {
  ConnectResult conn = connectPg(params);
  if (!conn.ok()) return "";
  QueryValue started = queryValue(conn.conn.get(), "SELECT pg_postmaster_start_time()::text");
  return started.ok() ? started.value.value_or("") : "";
}

std::vector<std::string> listDatabases(const ConnParams& params, std::string* error) {
  std::vector<std::string> names;
  ConnectResult conn = connectPg(params);
  if (!conn.ok()) {
    *error = conn.error;
    return names;
  }
  QueryRows rows = queryRows(conn.conn.get(),
                             "SELECT datname FROM pg_database WHERE datallowconn AND NOT "
                             "datistemplate ORDER BY datname");
  if (!rows.ok()) *error = rows.error;
  for (const auto& row : rows.rows)
    if (row[0]) names.push_back(*row[0]);
  return names;
}

std::optional<DatabaseMods> readMods(const ConnParams& params, std::string* error) {
  ConnectResult conn = connectPg(params);
  if (!conn.ok()) {
    *error = conn.error;
    return std::nullopt;
  }
  QueryRows rows = queryRows(conn.conn.get(), kTables);
  if (!rows.ok()) {
    *error = rows.error;
    return std::nullopt;
  }
  DatabaseMods mods;
  for (const auto& row : rows.rows) mods[static_cast<uint32_t>(number(row[0]))] = modsOf(row);
  return mods;
}

DatabaseRows countDatabase(const ConnParams& params, bool read_every_page,
                           const std::atomic<bool>* cancel, const DatabaseRows* previous) {
  DatabaseRows db;
  db.name = params.dbname;
  ConnectResult conn = connectPg(params);
  if (!conn.ok()) {
    db.error = conn.error;
    return db;
  }
  PGconn* c = conn.conn.get();
  // No statement timeout (a big table takes its time) but a lock timeout: a table held by an
  // ACCESS EXCLUSIVE lock is reported, not waited for forever.
  std::string problem = execStatement(c, "SET statement_timeout = 0");
  if (problem.empty()) problem = execStatement(c, "SET lock_timeout = '30s'");
  if (problem.empty()) problem = execStatement(c, kNoJit);
  if (problem.empty() && read_every_page) {
    for (const char* setting : {"enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"})
      if (problem.empty()) problem = execStatement(c, std::string("SET ") + setting + " = off");
  }
  if (problem.empty())
    problem = execStatement(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!problem.empty()) {
    db.error = problem;
    return db;
  }
  db = countInTransaction(c, params.dbname, cancel, previous);
  execStatement(c, "COMMIT");
  return db;
}

DatabaseRows countInTransaction(PGconn* c, const std::string& dbname,
                                const std::atomic<bool>* cancel, const DatabaseRows* previous) {
  std::map<uint32_t, const TableRows*> earlier;
  if (previous != nullptr)
    for (const TableRows& t : previous->tables) earlier[t.oid] = &t;
  DatabaseRows db;
  db.name = dbname;
  QueryRows tables = queryRows(c, kTables);
  if (!tables.ok()) {
    db.error = tables.error;
    return db;
  }
  for (const auto& row : tables.rows) {
    TableRows t;
    t.oid = static_cast<uint32_t>(number(row[0]));
    t.schema = row[1].value_or("");
    t.name = row[2].value_or("");
    t.unlogged = row[3] == std::optional<std::string>("true");
    t.unpopulated = row[4] == std::optional<std::string>("true");
    const auto before = earlier.find(t.oid);
    std::optional<int64_t> carried;
    if (before != earlier.end() && !t.unpopulated)
      carried = carriedCount(*before->second, modsOf(row));
    if (carried) {
      t.rows = carried;
      t.carried = true;
      t.before = before->second->before;
    } else if (cancel != nullptr && cancel->load()) {
      t.error = "not counted: cancelled";
    } else if (!t.unpopulated) {
      const auto schema = quoteIdentifier(c, t.schema);
      const auto name = quoteIdentifier(c, t.name);
      if (!schema || !name) {
        t.error = "cannot quote the table's name";
      } else {
        execStatement(c, "SAVEPOINT pgbr_count");
        QueryValue counted = queryValue(c, "SELECT count(*) FROM " + *schema + "." + *name);
        if (counted.ok()) {
          t.rows = number(counted.value);
          execStatement(c, "RELEASE SAVEPOINT pgbr_count");
        } else {
          t.error = counted.error;
          execStatement(c, "ROLLBACK TO SAVEPOINT pgbr_count");
        }
      }
    }
    db.tables.push_back(std::move(t));
  }
  return db;
}

}  // namespace pgbr
