#include "supervisor/postgres/local_conn.h"

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

}  // namespace pgbr
