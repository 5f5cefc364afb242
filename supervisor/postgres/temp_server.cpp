#include "supervisor/postgres/temp_server.h"

#include <chrono>

#include "supervisor/postgres/server.h"

namespace pgbr {

SpawnSpec tempServerSpec(const Settings& settings, const std::string& socket_dir,
                         std::vector<std::string> env) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, "postgres"), "-D", settings.pgdata};
  spec.argv.insert(spec.argv.end(), settings.postgres_args.begin(), settings.postgres_args.end());
  spec.argv.insert(
      spec.argv.end(),
      {"-c", "listen_addresses=", "-c", "archive_mode=off", "-p", std::to_string(settings.pg_port),
       "-c", "unix_socket_directories=" + socketDirectoriesValue(socket_dir)});
  spec.env = std::move(env);
  return spec;
}

std::string LibpqServerAccess::createDatabaseIfMissing(const ConnParams& params,
                                                       const std::string& name) {
  ConnParams admin = params;
  admin.dbname = "postgres";
  ConnectResult connected = connectPg(admin);
  if (!connected.ok()) return connected.error;
  QueryValue exists =
      queryValue(connected.conn.get(), "SELECT 1 FROM pg_database WHERE datname = $1", {name});
  if (!exists.ok()) return exists.error;
  if (exists.value) return "";
  const auto quoted = quoteIdentifier(connected.conn.get(), name);
  if (!quoted) return "cannot quote the database name (invalid encoding?)";
  return execStatement(connected.conn.get(), "CREATE DATABASE " + *quoted);
}

std::string LibpqServerAccess::createReplicationRole(const ConnParams& params,
                                                     const std::string& name,
                                                     const std::string& password) {
  ConnParams admin = params;
  admin.dbname = "postgres";
  ConnectResult connected = connectPg(admin);
  if (!connected.ok()) return connected.error;
  PGconn* c = connected.conn.get();
  const auto quoted = quoteIdentifier(c, name);
  char* literal = PQescapeLiteral(c, password.data(), password.size());
  if (!quoted || literal == nullptr) {
    PQfreemem(literal);
    return "cannot quote the role's name or password (invalid encoding?)";
  }
  // Hashed by the server with password_encryption (scram-sha-256); the statement is not logged
  // (log_statement is none while the init files run).
  std::string sql = "CREATE ROLE " + *quoted + " WITH LOGIN REPLICATION PASSWORD " + literal;
  PQfreemem(literal);
  return execStatement(c, sql);
}

std::string TempServer::start(const SpawnSpec& spec) {
  SpawnResult spawned = children_.spawn(spec);
  if (!spawned.ok()) return "the temporary server could not start: " + spawned.error;
  pid_ = spawned.pid;
  if (spawned.output.valid()) pump_ = std::make_unique<OutputPump>(std::move(spawned.output), log_);
  return "";
}

std::string TempServer::waitReady(ServerAccess& server, const ConnParams& params, Seconds timeout,
                                  const std::atomic<bool>& cancel) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cancel.load()) return "cancelled while the temporary server was starting";
    if (server.ready(params)) return "";
    if (std::chrono::steady_clock::now() > deadline) {
      return "the temporary server was not ready within " + std::to_string(timeout.count()) +
             " s (" + describeConn(params) + ")";
    }
    // Waiting on the child rather than sleeping: a server that fails at once (a bad -c
    // argument, a port in use) is reported as soon as the loop reaps it.
    if (auto status = children_.waitExit(pid_, Millis(100))) {
      exit_ = status;
      return "the temporary server " + status->describe() +
             " while starting (its log precedes this line)";
    }
  }
}

// SIGINT is Postgres' fast shutdown: sessions are ended and a clean checkpoint written.
std::string TempServer::stop(Seconds timeout) {
  if (pid_ < 0) return "";
  if (!exit_) {
    children_.signalProcess(pid_, sig::kInt);
    exit_ = children_.waitExit(pid_, timeout);
  }
  if (!exit_) {
    children_.signalProcess(pid_, sig::kQuit);  // immediate shutdown
    exit_ = children_.waitExit(pid_, Seconds(5));
  }
  if (!exit_) {
    children_.signalGroup(pid_, sig::kKill);
    exit_ = children_.waitExit(pid_, Seconds(5));
  }
  pid_ = -1;
  pump_.reset();
  if (!exit_) return "the temporary server did not stop";
  if (!exit_->success()) return "the temporary server " + exit_->describe() + " on shutdown";
  return "";
}

}  // namespace pgbr
