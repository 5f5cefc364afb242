// The API's listen address, `host:port`, as PGBR_API_LISTEN and --api-listen take it. The host is
// an IPv4 address, a bracketed IPv6 address (`[::1]:5000`) or `localhost`; host names that need
// a resolver are refused, because a name that resolves differently later would move the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgbr {

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::", "localhost"
  int port = 0;      // 1-65535
  bool ipv6 = false;
};

// Returns nullopt with a lowercase reason and fix in *error.
std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string* error);

// Where a client on this machine reaches the address: a wildcard host ("0.0.0.0", "::") is not
// something to connect to, so it becomes the loopback address of the same family. The
// healthcheck uses this.
std::string connectHost(const ListenAddress& address);

}  // namespace pgbr
