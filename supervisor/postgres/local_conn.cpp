#include "supervisor/postgres/local_conn.h"

#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace pgbr {

ConnParams supervisorConnParams(const Settings& settings) {
  ConnParams p;
  p.socket_dir = settings.pg_socket_dir;
  p.port = settings.pg_port;
  p.user = settings.init.user;
  p.dbname = "postgres";
  p.connect_timeout_s = 3;
  p.password = settings.init.password;
  p.statement_timeout_ms = 5000;
  return p;
}

std::string lowerBackendPriority(PGconn* c) {
  const QueryValue pid = queryValue(c, "SELECT pg_backend_pid()");
  if (!pid.ok() || !pid.value) return pid.error.empty() ? "no backend pid" : pid.error;
  int value = 0;
  const auto [end, ec] =
      std::from_chars(pid.value->data(), pid.value->data() + pid.value->size(), value);
  if (ec != std::errc() || value <= 0) return "unexpected backend pid " + *pid.value;
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(value), 19) != 0)
    return std::string("setpriority: ") + std::strerror(errno);
  return {};
}

}  // namespace pgbr
