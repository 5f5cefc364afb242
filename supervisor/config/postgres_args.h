// What the supervisor must know from the arguments given to `postgres` on the command line.
// They pass through to Postgres verbatim; the supervisor only reads the port and the first Unix
// socket directory from them, because it connects to Postgres itself (readiness, psql during
// initdb) and must knock on the door Postgres actually opened, and the listen addresses, because
// pg_hba.conf must admit the hosts Postgres listens for.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pgbr {

struct PostgresArgFacts {
  std::optional<int> port;                      // -p N, -pN, -c port=N, --port=N
  std::optional<std::string> socket_dir;        // first entry of -k DIR / unix_socket_directories;
                                                // "" when set empty (no Unix socket at all)
  std::optional<std::string> listen_addresses;  // -h ADDRESSES, -c listen_addresses=ADDRESSES
};

// Later occurrences win, as they do in Postgres. Throws ConfigError for a port that is not a
// number from 1 to 65535, naming the argument.
PostgresArgFacts scanPostgresArgs(const std::vector<std::string>& args);

}  // namespace pgbr
