// The supervisor's own connections to Postgres, through libpq: readiness probes, the status
// reader and the few statements initialisation runs against the temporary server.
//
// Policy: connection settings travel as keyword/value arrays (PQconnectdbParams, PQpingParams)
// with expand_dbname off, so a user, database or directory name holding spaces, quotes or '='
// reaches libpq as one value and never as conninfo text. A PGconn lives in a unique_ptr. Query
// helpers never throw: a failure comes back as one lowercase line, so a refused connection is a
// value the API can show, not an exception that unwinds the status thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace pgbr {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

struct ConnParams {
  std::string socket_dir;  // Unix socket directory; empty: TCP to localhost (no socket set)
  int port = 5432;
  std::string user = "postgres";
  std::string dbname = "postgres";
  int connect_timeout_s = 5;     // 0: libpq's default (wait forever)
  std::string password;          // secret; only sent when the server asks (e.g. --auth-local=md5)
  int statement_timeout_ms = 0;  // 0: the server's setting. Keeps a stuck query from stalling a
                                 // status poll forever.
  std::string application_name = "pgbr-supervisor";  // so the supervisor's own sessions are
                                                     // recognisable in pg_stat_activity
};

// The keyword/value pairs handed to libpq, in order. Empty values are left out (libpq would
// otherwise treat them as "use the default" anyway, but leaving them out keeps the intent plain).
struct ConnKeywords {
  std::vector<std::string> keywords;
  std::vector<std::string> values;
};
ConnKeywords connKeywords(const ConnParams& params);

// "socket /var/run/postgresql port 5432 user postgres database app": for log lines; never
// includes the password.
std::string describeConn(const ConnParams& params);

// True only for PQPING_OK: the server is up and accepting connections (authentication is not
// attempted). A refused socket answers in about a millisecond, so callers poll this in a loop.
bool pingReady(const ConnParams& params);

struct ConnectResult {
  PgConnPtr conn;
  std::string error;  // empty on success
  bool ok() const { return conn != nullptr && error.empty(); }
};
ConnectResult connectPg(const ConnParams& params);

// One libpq error message as a single lowercase line ("connection to server on socket ... failed:
// no such file or directory"): libpq's text spans lines and ends in a newline.
std::string cleanPgError(std::string_view message);

// A query's rows as text; NULL is nullopt. `params` are bound as $1, $2, ... (never spliced).
struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};
QueryRows queryRows(PGconn* conn, const std::string& sql,
                    const std::vector<std::string>& params = {});

// The first column of the first row; value is nullopt for NULL or when there is no row.
struct QueryValue {
  std::optional<std::string> value;
  std::string error;
  bool ok() const { return error.empty(); }
};
QueryValue queryValue(PGconn* conn, const std::string& sql,
                      const std::vector<std::string>& params = {});

// Runs a statement that returns no rows (CREATE DATABASE, ...). Returns the error or "".
std::string execStatement(PGconn* conn, const std::string& sql);

// An identifier quoted for SQL by libpq (PQescapeIdentifier), or nullopt when libpq refuses it
// (invalid encoding).
std::optional<std::string> quoteIdentifier(PGconn* conn, std::string_view name);

}  // namespace pgbr
