// The temporary server that initialisation runs the init files against, as the stock image's
// entrypoint does (docker_temp_server_start / _stop): the user's postgres arguments with
// overrides that keep it off the network (listen_addresses empty, only a Unix socket) and off
// pgBackRest (archive_mode off: the stanza may not exist yet).
//
// Policy: readiness is polled through ServerAccess (libpq in production, a fake in tests) while
// waiting on the child, so a server that dies at once is reported at once rather than after the
// start timeout. The destructor stops the server on every path, fast shutdown first, so a failing
// init script never leaves it running under the supervised Postgres.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"
#include "supervisor/os/output_pump.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

// `postgres -D PGDATA <user args> -c listen_addresses= -c archive_mode=off -p PORT
//  -c unix_socket_directories=DIR`: the user's arguments keep their effect (shared_preload_
// libraries, ...) while the overrides after them keep the server off the network and off
// pgBackRest, whose stanza may not exist yet.
SpawnSpec tempServerSpec(const Settings& settings, const std::string& socket_dir,
                         std::vector<std::string> env);

// What initialisation needs from the temporary server: libpq in production, a fake in tests.
class ServerAccess {
 public:
  virtual ~ServerAccess() = default;
  virtual bool ready(const ConnParams& params) = 0;
  // Creates the database unless pg_database has it. Returns the error or "".
  virtual std::string createDatabaseIfMissing(const ConnParams& params,
                                              const std::string& name) = 0;
  // Creates a login role with the REPLICATION attribute. Returns the error or "".
  virtual std::string createReplicationRole(const ConnParams& params, const std::string& name,
                                            const std::string& password) = 0;
};

class LibpqServerAccess final : public ServerAccess {
 public:
  bool ready(const ConnParams& params) override { return pingReady(params); }
  std::string createDatabaseIfMissing(const ConnParams& params, const std::string& name) override;
  std::string createReplicationRole(const ConnParams& params, const std::string& name,
                                    const std::string& password) override;
};

// The socket-only server the init files run against. Its output goes to `log`.
class TempServer {
 public:
  TempServer(Children& children, LogSink& log) : children_(children), log_(log) {}
  TempServer(const TempServer&) = delete;
  TempServer& operator=(const TempServer&) = delete;
  ~TempServer() { stop(Seconds(10)); }

  // Each returns "" on success, else one lowercase line.
  std::string start(const SpawnSpec& spec);
  std::string waitReady(ServerAccess& server, const ConnParams& params, Seconds timeout,
                        const std::atomic<bool>& cancel);
  // Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL to the group.
  std::string stop(Seconds timeout);

 private:
  Children& children_;
  LogSink& log_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
  std::unique_ptr<OutputPump> pump_;
};

}  // namespace pgbr
