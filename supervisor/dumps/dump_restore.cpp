// runDumpRestore (dump_restore.h).
#include "supervisor/dumps/dump_restore.h"

#include <map>

#include "supervisor/dumps/dump_io.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/row_counts.h"

namespace pgbr {

namespace {

std::string literal(PGconn* c, const std::string& text) {
  char* escaped = PQescapeLiteral(c, text.data(), text.size());
  if (escaped == nullptr) return "''";
  std::string out(escaped);
  PQfreemem(escaped);
  return out;
}

class Admin {
 public:
  // Connected to `postgres`, or to template1 when `postgres` itself is the one to replace (a
  // session cannot rename its own database).
  Admin(const Settings& settings, const std::string& replacing) {
    ConnParams params = supervisorConnParams(settings);
    params.statement_timeout_ms = 0;
    if (replacing == params.dbname) params.dbname = "template1";
    conn_ = connectPg(params);
  }
  bool ok() const { return conn_.ok(); }
  const std::string& error() const { return conn_.error; }
  PGconn* get() { return conn_.conn.get(); }
  std::string ident(const std::string& name) {
    return quoteIdentifier(get(), name).value_or("\"\"");
  }
  bool exists(const std::string& name) {
    return queryValue(get(), "SELECT 1 FROM pg_database WHERE datname = $1", {name})
        .value.has_value();
  }
  std::string exec(const std::string& sql) { return execStatement(get(), sql); }
  std::string drop(const std::string& name) {
    return exec("DROP DATABASE IF EXISTS " + ident(name) + " WITH (FORCE)");
  }

 private:
  ConnectResult conn_;
};

std::string restoreGlobals(JobContext& ctx, const DumpJobParts& parts, const DumpManifest& m) {
  if (!m.globals) return "the dump holds no globals";
  ctx.setMessage("restoring the roles and tablespaces");
  std::vector<std::string> lines;
  SpawnSpec spec = clientSpec(parts.settings, "psql",
                              {"-X", "-q", "--dbname=postgres", "-v", "ON_ERROR_STOP=0"});
  std::string problem = runFromStore(ctx, parts.children, spec, parts.store, m.globals->key,
                                     m.globals->sha256, &lines);
  // psql exits 0 even when statements fail (ON_ERROR_STOP=0): a role that already exists is
  // expected on the same server; the job log shows each.
  return problem;
}

}  // namespace

std::string defaultRestoreName(const std::string& database, const std::string& id) {
  // id: YYYYMMDD-HHMMSS-mmm
  const std::string suffix = "_" + id.substr(0, 8) + "_" + id.substr(9, 6);
  std::string base = database;
  const size_t room = 63 - suffix.size();
  if (base.size() > room) {
    base.resize(room);
    while (!base.empty() && (static_cast<unsigned char>(base.back()) & 0xC0) == 0x80)
      base.pop_back();  // a continuation byte: drop the partial character
    if (!base.empty() && (static_cast<unsigned char>(base.back()) & 0xC0) == 0xC0) base.pop_back();
  }
  return base + suffix;
}

std::vector<std::string> compareTables(const std::vector<DumpTable>& expected,
                                       const DatabaseRows& found) {
  std::vector<std::string> out;
  std::map<std::pair<std::string, std::string>, const TableRows*> by_name;
  for (const TableRows& t : found.tables) by_name[{t.schema, t.name}] = &t;
  for (const DumpTable& e : expected) {
    const std::string name = e.schema + "." + e.name;
    auto it = by_name.find({e.schema, e.name});
    if (it == by_name.end()) {
      out.push_back(name + ": missing, the dump holds " + std::to_string(e.rows) + " rows");
      continue;
    }
    const TableRows& t = *it->second;
    by_name.erase(it);
    if (!t.error.empty())
      out.push_back(name + ": cannot be read: " + t.error);
    else if (t.rows.value_or(-1) != e.rows)
      out.push_back(name + ": " + std::to_string(t.rows.value_or(0)) + " rows, the dump holds " +
                    std::to_string(e.rows));
  }
  for (const auto& [key, t] : by_name)
    if (!t->unpopulated)
      out.push_back(key.first + "." + key.second + ": not in the dump's manifest");
  return out;
}

JobOutcome runDumpRestore(JobContext& ctx, const DumpJobParts& parts, const DumpManifest& m,
                          const DumpRestoreRequest& request) {
  const DumpDatabase* db = m.database(request.database);
  if (db == nullptr) return failedJob("dump " + m.id + " holds no database " + request.database);
  const bool replace = request.into == request.database;
  Admin admin(parts.settings, replace ? request.database : "");
  if (!admin.ok()) return failedJob("cannot connect to Postgres: " + admin.error());
  if (replace && !admin.exists(request.database))
    return failedJob("there is no database " + request.database + " to replace");
  if (!replace && admin.exists(request.into))
    return failedJob("a database " + request.into + " exists already; nothing was changed");

  if (request.globals)
    if (std::string problem = restoreGlobals(ctx, parts, m); !problem.empty())
      return failedJob("globals: " + problem);

  // Where pg_restore writes: the new database, or a scratch one beside the database it replaces.
  const std::string target =
      replace ? "pgbr_restore_" + m.id.substr(0, 8) + m.id.substr(9, 6) + m.id.substr(16, 3)
              : request.into;
  if (replace) admin.drop(target);  // left by a restore cut short
  std::string create = "CREATE DATABASE " + admin.ident(target) + " TEMPLATE template0";
  if (!db->encoding.empty()) create += " ENCODING " + literal(admin.get(), db->encoding);
  if (!db->collate.empty()) create += " LC_COLLATE " + literal(admin.get(), db->collate);
  if (!db->ctype.empty()) create += " LC_CTYPE " + literal(admin.get(), db->ctype);
  ctx.log().appendLine(create);
  if (std::string problem = admin.exec(create); !problem.empty())
    return failedJob("cannot create " + target + ": " + problem);

  auto abandon = [&](const std::string& why) {
    ctx.log().appendLine("dropping " + target);
    admin.drop(target);
    return failedJob(why + (replace ? "; " + request.database + " was not changed" : ""));
  };

  ctx.setMessage("restoring " + request.database + " from dump " + m.id + " into " + target);
  SpawnSpec spec = clientSpec(parts.settings, "pg_restore",
                              {"--exit-on-error", "--dbname=" + databaseConnString(target)});
  if (std::string problem =
          runFromStore(ctx, parts.children, spec, parts.store, db->file.key, db->file.sha256);
      !problem.empty()) {
    if (ctx.cancelRequested().load()) {
      JobOutcome out = abandon("restore cancelled");
      out.state = JobState::kCancelled;
      return out;
    }
    return abandon("pg_restore failed: " + problem);
  }

  ctx.setMessage("checking every table's rows against the manifest");
  ConnParams params = supervisorConnParams(parts.settings);
  params.dbname = target;
  const DatabaseRows found = countDatabase(params, false, &ctx.cancelRequested());
  if (!found.error.empty()) return abandon("cannot count the restored rows: " + found.error);
  const std::vector<std::string> differences = compareTables(db->tables, found);
  for (const std::string& line : differences) ctx.log().appendLine("check_tables: " + line);
  if (!differences.empty())
    return abandon("the restored rows differ from the manifest in " +
                   std::to_string(differences.size()) + " tables (first: " + differences.front() +
                   ")");
  int64_t rows = 0;
  for (const DumpTable& t : db->tables) rows += t.rows;
  ctx.log().appendLine("check_tables: " + std::to_string(db->tables.size()) +
                       " tables hold the rows of the manifest (" + std::to_string(rows) + ")");

  if (replace) {
    ctx.setMessage("swapping the restored copy in for " + request.database);
    const std::string old = target + "_old";
    const std::string orig = admin.ident(request.database);
    admin.exec("ALTER DATABASE " + orig + " ALLOW_CONNECTIONS false");
    admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " +
               literal(admin.get(), request.database) + " AND pid <> pg_backend_pid()");
    std::string problem = admin.exec("ALTER DATABASE " + orig + " RENAME TO " + admin.ident(old));
    if (!problem.empty()) {
      admin.exec("ALTER DATABASE " + orig + " ALLOW_CONNECTIONS true");
      return abandon("cannot move " + request.database + " aside: " + problem);
    }
    problem = admin.exec("ALTER DATABASE " + admin.ident(target) + " RENAME TO " + orig);
    if (!problem.empty()) {
      admin.exec("ALTER DATABASE " + admin.ident(old) + " RENAME TO " + orig);
      admin.exec("ALTER DATABASE " + orig + " ALLOW_CONNECTIONS true");
      return abandon("cannot rename the restored copy: " + problem);
    }
    if (std::string dropped = admin.drop(old); !dropped.empty())
      ctx.log().appendLine("the replaced database is left as " + old + ": " + dropped);
  }

  JobOutcome out;
  out.state = JobState::kSucceeded;
  out.exit_code = 0;
  out.message = (replace ? request.database + " replaced by" : request.into + " restored from") +
                std::string(" dump ") + m.id + "; " + std::to_string(db->tables.size()) +
                " tables hold the rows of the manifest";
  out.result = {{"dump_id", m.id},     {"database", request.database}, {"into", request.into},
                {"replaced", replace}, {"tables", db->tables.size()},  {"rows", rows}};
  return out;
}

}  // namespace pgbr
