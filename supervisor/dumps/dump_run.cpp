// runDump (dump_run.h).
#include "supervisor/dumps/dump_run.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <thread>

#include "supervisor/dumps/dump_catalog.h"
#include "supervisor/dumps/dump_io.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/row_counts.h"
#include "supervisor/postgres/server.h"

namespace pgbr {

namespace {

// The program's `--version` line, asked once per binary: the image's client programs do not change
// while the supervisor runs, and a spawn per run is time the dump's user waits for.
std::string versionOf(const Settings& settings, Children& children, const std::string& program) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  const std::string binary = pgBinary(settings, program);
  std::lock_guard lock(mutex);
  if (auto it = known.find(binary); it != known.end()) return it->second;
  SpawnSpec spec;
  spec.argv = {binary, "--version"};
  spec.env = currentEnvironment();
  RunOptions options;
  options.timeout = Millis(30000);
  const RunResult ran = runCommand(children, spec, nullptr, options);
  if (!ran.success() || ran.last_lines.empty()) return "";
  return known[binary] = ran.last_lines.back();
}

// One database: count its tables and dump it, both in one exported snapshot.
std::string dumpDatabase(JobContext& ctx, const DumpJobParts& parts, const ServerDatabase& db,
                         const std::string& key, DumpDatabase* out) {
  const auto started = parts.clock.monotonic();
  ConnParams params = supervisorConnParams(parts.settings);
  params.dbname = db.name;
  params.statement_timeout_ms = 0;
  ConnectResult conn = connectPg(params);
  if (!conn.ok()) return "cannot connect to " + db.name + ": " + conn.error;
  PGconn* c = conn.conn.get();
  std::string problem = execStatement(c, "SET lock_timeout = '30s'");
  if (problem.empty()) problem = execStatement(c, kNoJit);
  // The counts run beside pg_dump, which with its server process already keeps two CPUs busy
  // compressing and copying: parallel workers would only take CPU from the dump itself
  // (measured: a dump of pgbench scale 50 took 30 % longer with them, the same time without).
  if (problem.empty()) problem = execStatement(c, "SET max_parallel_workers_per_gather = 0");
  // Nor should the counting server process take CPU pg_dump wants: at nice 19 it runs on what
  // is left over (pg_dump's own session keeps its priority).
  if (problem.empty())
    if (std::string why = lowerBackendPriority(c); !why.empty())
      ctx.log().appendLine("counting " + db.name + " at normal CPU priority: " + why);
  if (problem.empty())
    problem = execStatement(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  QueryValue snapshot =
      problem.empty() ? queryValue(c, "SELECT pg_export_snapshot()") : QueryValue{};
  if (!problem.empty() || !snapshot.ok() || !snapshot.value)
    return "cannot take a snapshot of " + db.name + ": " +
           (problem.empty() ? snapshot.error : problem);
  // pg_dump reads the snapshot in a session of its own while this one counts the tables in it,
  // on another CPU: the counts cost the run no time when the machine has one to spare.
  DatabaseRows rows;
  std::thread counter([&] { rows = countInTransaction(c, db.name, &ctx.cancelRequested()); });
  SpawnSpec spec = clientSpec(parts.settings, "pg_dump",
                              {"--format=custom", "--snapshot=" + *snapshot.value,
                               "--dbname=" + databaseConnString(db.name)});
  StreamedFile file;
  problem = runIntoStore(ctx, parts.children, spec, parts.store, key, &file);
  counter.join();
  if (problem.empty() && !rows.error.empty())
    problem = "cannot count the rows of " + db.name + ": " + rows.error;
  for (const TableRows& t : rows.tables) {
    if (!problem.empty()) break;
    if (!t.error.empty()) {
      problem = "cannot count " + t.schema + "." + t.name + ": " + t.error;
      break;
    }
    if (t.unpopulated) continue;  // a materialized view never refreshed holds no rows
    out->tables.push_back({t.schema, t.name, t.rows.value_or(0)});
  }
  if (problem.empty())
    ctx.log().appendLine(db.name + ": " + std::to_string(out->tables.size()) +
                         " tables counted in snapshot " + *snapshot.value);
  execStatement(c, "COMMIT");
  if (!problem.empty()) return problem;
  out->name = db.name;
  out->file = {key, file.size, file.sha256};
  out->encoding = db.encoding;
  out->collate = db.collate;
  out->ctype = db.ctype;
  out->seconds = std::chrono::duration<double>(parts.clock.monotonic() - started).count();
  return {};
}

int64_t toInt(const std::optional<std::string>& text) {
  int64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

}  // namespace

namespace {

std::vector<ServerDatabase> databasesOn(PGconn* c, bool with_sizes, std::string* error) {
  // pg_database_size walks every file of every database: only where a size is shown.
  QueryRows rows = queryRows(
      c, std::string("SELECT datname, pg_encoding_to_char(encoding), datcollate, datctype, ") +
             (with_sizes ? "pg_database_size(oid)" : "0") +
             " FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname");
  if (!rows.ok()) {
    *error = rows.error;
    return {};
  }
  std::vector<ServerDatabase> out;
  for (const auto& r : rows.rows)
    out.push_back(
        {r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), toInt(r[4])});
  return out;
}

}  // namespace

std::vector<ServerDatabase> dumpableDatabases(const Settings& settings, std::string* error) {
  ConnectResult conn = connectPg(supervisorConnParams(settings));
  if (!conn.ok()) {
    *error = conn.error;
    return {};
  }
  return databasesOn(conn.conn.get(), true, error);
}

JobOutcome runDump(JobContext& ctx, const DumpJobParts& parts, const DumpRunRequest& request,
                   std::optional<DumpManifest>* made) {
  DumpCatalog catalog(parts.store);
  std::vector<std::string> leftovers;
  if (std::string error = catalog.leftovers(&leftovers); !error.empty())
    return failedJob("cannot list the dumps in " + parts.store.describe() + ": " + error);
  for (const std::string& id : leftovers) {
    ctx.log().appendLine("removing the files of dump " + id + ", which never completed");
    if (std::string error = catalog.remove(id); !error.empty())
      return failedJob("cannot remove the incomplete dump " + id + ": " + error);
  }

  std::string error, server_version;
  std::vector<ServerDatabase> all;
  {
    ConnectResult conn = connectPg(supervisorConnParams(parts.settings));
    if (!conn.ok()) return failedJob("cannot list the databases: " + conn.error);
    all = databasesOn(conn.conn.get(), false, &error);
    server_version = queryValue(conn.conn.get(), "SHOW server_version").value.value_or("");
  }
  if (!error.empty()) return failedJob("cannot list the databases: " + error);
  const std::vector<std::string>& wanted =
      request.databases.empty() ? parts.settings.dump_databases : request.databases;
  std::vector<ServerDatabase> selected;
  for (const ServerDatabase& db : all)
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), db.name) != wanted.end())
      selected.push_back(db);
  for (const std::string& name : wanted)
    if (std::none_of(all.begin(), all.end(), [&](const auto& db) { return db.name == name; }))
      return failedJob("there is no database " + name + " that accepts connections");
  if (selected.empty()) return failedJob("there is no database to dump");

  DumpManifest m;
  m.started_at = parts.clock.wall();
  m.id = dumpRunId(m.started_at);
  m.stanza = parts.settings.stanza;
  m.trigger = std::string(toString(request.trigger));
  m.annotation = request.annotation;
  m.encrypted = parts.encrypted;
  m.store = parts.store.describe();
  m.pg_dump_version = versionOf(parts.settings, parts.children, "pg_dump");
  m.server_version = server_version;
  ctx.log().appendLine("dump " + m.id + " into " + m.store + ": " +
                       std::to_string(selected.size()) + " databases");

  auto fail = [&](const std::string& why) {
    ctx.log().appendLine("removing what dump " + m.id + " wrote");
    if (std::string removed = catalog.remove(m.id); !removed.empty())
      ctx.log().appendLine("cannot remove it yet (the next run will): " + removed);
    JobOutcome out = failedJob(why);
    if (ctx.cancelRequested().load()) {
      out.state = JobState::kCancelled;
      out.message = "dump cancelled; nothing of it was kept";
    }
    return out;
  };

  // The globals are taken beside the first database rather than before it: a spawn and a
  // connection the run's user does not wait for.
  StreamedFile globals;
  const std::string globals_key = m.id + "/globals.sql";
  std::string globals_problem;
  std::thread globals_dump([&] {
    globals_problem = runIntoStore(ctx, parts.children,
                                   clientSpec(parts.settings, "pg_dumpall", {"--globals-only"}),
                                   parts.store, globals_key, &globals);
  });
  std::string problem;
  for (size_t i = 0; i < selected.size() && problem.empty(); ++i) {
    const ServerDatabase& db = selected[i];
    ctx.setMessage("dumping " + db.name + " (" + std::to_string(i + 1) + " of " +
                   std::to_string(selected.size()) + ")");
    ctx.setProgress(100.0 * static_cast<double>(i) / static_cast<double>(selected.size()));
    DumpDatabase out;
    problem = dumpDatabase(ctx, parts, db, databaseKey(m.id, i, db.name), &out);
    if (problem.empty())
      m.databases.push_back(std::move(out));
    else
      problem = db.name + ": " + problem;
  }
  globals_dump.join();
  // Both fail when the store went away: the database's reason names what the run was doing.
  if (!problem.empty()) return fail(problem);
  if (!globals_problem.empty()) return fail("globals: " + globals_problem);
  m.globals = DumpFile{globals_key, globals.size, globals.sha256};
  m.finished_at = parts.clock.wall();
  if (problem = catalog.writeManifest(m); !problem.empty())
    return fail("cannot store the manifest: " + problem);

  JobOutcome out;
  out.state = JobState::kSucceeded;
  out.exit_code = 0;
  size_t tables = 0;
  for (const DumpDatabase& db : m.databases) tables += db.tables.size();
  out.message = "dump " + m.id + ": " + std::to_string(m.databases.size()) + " databases, " +
                std::to_string(tables) + " tables, " + std::to_string(m.totalSize()) +
                " bytes in " + m.store;
  out.result = {{"dump_id", m.id}, {"size", m.totalSize()}, {"databases", m.databases.size()}};
  *made = std::move(m);
  return out;
}

}  // namespace pgbr
