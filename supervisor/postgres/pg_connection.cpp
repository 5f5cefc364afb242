#include "supervisor/postgres/pg_connection.h"

#include <cctype>

namespace pgbr {

namespace {

// libpq wants NULL-terminated arrays of C strings that outlive the call.
struct CArrays {
  std::vector<const char*> keywords;
  std::vector<const char*> values;
};

CArrays cArrays(const ConnKeywords& kv) {
  CArrays out;
  for (size_t i = 0; i < kv.keywords.size(); ++i) {
    out.keywords.push_back(kv.keywords[i].c_str());
    out.values.push_back(kv.values[i].c_str());
  }
  out.keywords.push_back(nullptr);
  out.values.push_back(nullptr);
  return out;
}
// The arrays point into the strings: a temporary ConnKeywords would leave them dangling.
CArrays cArrays(ConnKeywords&&) = delete;

std::string connError(PGconn* conn) {
  return conn ? cleanPgError(PQerrorMessage(conn)) : std::string("out of memory");
}

}  // namespace

ConnKeywords connKeywords(const ConnParams& params) {
  ConnKeywords kv;
  auto add = [&](std::string key, std::string value) {
    if (value.empty()) return;
    kv.keywords.push_back(std::move(key));
    kv.values.push_back(std::move(value));
  };
  // Without a socket directory the server has no Unix socket (unix_socket_directories = ''), so
  // the only way in is TCP on the loopback interface.
  add("host", params.socket_dir.empty() ? "localhost" : params.socket_dir);
  add("port", std::to_string(params.port));
  add("user", params.user);
  add("dbname", params.dbname);
  if (params.connect_timeout_s > 0)
    add("connect_timeout", std::to_string(params.connect_timeout_s));
  add("password", params.password);
  add("application_name", params.application_name);
  if (params.statement_timeout_ms > 0) {
    add("options", "-c statement_timeout=" + std::to_string(params.statement_timeout_ms));
  }
  return kv;
}

std::string describeConn(const ConnParams& params) {
  std::string text = params.socket_dir.empty() ? "host localhost" : "socket " + params.socket_dir;
  text += " port " + std::to_string(params.port) + " user " + params.user + " database " +
          params.dbname;
  return text;
}

bool pingReady(const ConnParams& params) {
  const ConnKeywords kv = connKeywords(params);
  CArrays arrays = cArrays(kv);
  // expand_dbname = 0: a database name is only ever a name, never a conninfo string.
  return PQpingParams(arrays.keywords.data(), arrays.values.data(), 0) == PQPING_OK;
}

ConnectResult connectPg(const ConnParams& params) {
  const ConnKeywords kv = connKeywords(params);
  CArrays arrays = cArrays(kv);
  ConnectResult result;
  result.conn.reset(PQconnectdbParams(arrays.keywords.data(), arrays.values.data(), 0));
  if (!result.conn || PQstatus(result.conn.get()) != CONNECTION_OK) {
    result.error = "cannot connect to postgres (" + describeConn(params) +
                   "): " + connError(result.conn.get());
    result.conn.reset();
  }
  return result;
}

std::string cleanPgError(std::string_view message) {
  std::string out;
  bool space = false;
  for (char c : message) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  // libpq prefixes server errors with their severity: "ERROR:  relation ... does not exist".
  for (std::string_view severity : {"ERROR: ", "FATAL: ", "PANIC: "}) {
    if (out.compare(0, severity.size(), severity) == 0) {
      out.erase(0, severity.size());
      break;
    }
  }
  if (out.empty()) return "unknown libpq error";
  out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

QueryRows queryRows(PGconn* conn, const std::string& sql, const std::vector<std::string>& params) {
  QueryRows rows;
  if (conn == nullptr) {
    rows.error = "not connected to postgres";
    return rows;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResultPtr result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.empty() ? nullptr : values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    rows.error = result ? cleanPgError(PQresultErrorMessage(result.get())) : connError(conn);
    if (rows.error == "unknown libpq error") rows.error = connError(conn);
    return rows;
  }
  const int ncols = PQnfields(result.get());
  const int nrows = PQntuples(result.get());
  for (int c = 0; c < ncols; ++c) rows.columns.emplace_back(PQfname(result.get(), c));
  rows.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    auto& row = rows.rows.emplace_back();
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<size_t>(PQgetlength(result.get(), r, c))));
      }
    }
  }
  return rows;
}

QueryValue queryValue(PGconn* conn, const std::string& sql,
                      const std::vector<std::string>& params) {
  QueryRows rows = queryRows(conn, sql, params);
  QueryValue value;
  value.error = std::move(rows.error);
  if (value.ok() && !rows.rows.empty() && !rows.rows.front().empty()) {
    value.value = std::move(rows.rows.front().front());
  }
  return value;
}

std::string execStatement(PGconn* conn, const std::string& sql) {
  return queryRows(conn, sql).error;
}

std::optional<std::string> quoteIdentifier(PGconn* conn, std::string_view name) {
  if (conn == nullptr) return std::nullopt;
  std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeIdentifier(conn, name.data(), name.size()), &PQfreemem);
  if (!quoted) return std::nullopt;
  return std::string(quoted.get());
}

}  // namespace pgbr
