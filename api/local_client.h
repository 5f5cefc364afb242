// How a command run on this machine (`pgbr-supervisor restore-point NAME`) reaches the running
// supervisor's API, and that command itself.
//
// Where the API is: the running supervisor writes the address it actually bound to
// `<state dir>/api-address` at start ("127.0.0.1:5000"; the port it got when PGBR_API_LISTEN
// asked for port 0, the address it was started with even when the command's own environment
// differs); without that file, PGBR_API_LISTEN / --api-listen as this command sees them. A
// wildcard host becomes the loopback address. The token: PGBR_API_TOKEN / _FILE as this command
// sees them, else the one the supervisor generated into `<state dir>/api-token` (readable by root
// and the postgres user only); none with PGBR_API_AUTH=none. The token is never printed.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "supervisor/config/settings.h"

namespace pgbr::api {

struct LocalApiTarget {
  std::string host;  // to connect to: never a wildcard, no brackets
  int port = 0;
  std::string token;         // empty: send none
  std::string address_from;  // "<state>/api-address" or "PGBR_API_LISTEN", for error messages
};

// nullopt with *error (one lowercase line naming the file or setting and the fix).
std::optional<LocalApiTarget> localApiTarget(const Settings& settings, std::string* error);

// Writes `<state dir>/api-address` ("host:port", the listen host with the bound port).
// Returns the error or "".
std::string recordApiAddress(const std::string& state_dir, const std::string& listen, int port);

// `pgbr-supervisor restore-point NAME`: prints the point to `out` and returns 0, or prints the
// server's message (or why the server could not be asked) to `err` and returns 1.
int restorePointCommand(const Settings& settings, const std::string& name, std::ostream& out,
                        std::ostream& err);

}  // namespace pgbr::api
