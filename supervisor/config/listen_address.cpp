#include "supervisor/config/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace pgbr {

namespace {

constexpr std::string_view kHostHint =
    "use an IPv4 address, [IPv6] or localhost, e.g. 0.0.0.0:5000";

bool isIpv4(const std::string& host) {
  in_addr parsed{};
  return inet_pton(AF_INET, host.c_str(), &parsed) == 1;
}

bool isIpv6(const std::string& host) {
  in6_addr parsed{};
  return inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
}

}  // namespace

std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string* error) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    *error = "\"" + std::string(text) + "\" has no port; write host:port, e.g. 0.0.0.0:5000";
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);

  ListenAddress address;
  int port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    *error = "port \"" + std::string(port_text) + "\" is not a number from 1 to 65535";
    return std::nullopt;
  }
  address.port = port;

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    address.host = std::string(host.substr(1, host.size() - 2));
    if (!isIpv6(address.host)) {
      *error = "\"" + std::string(host) + "\" is not an IPv6 address; " + std::string(kHostHint);
      return std::nullopt;
    }
    address.ipv6 = true;
    return address;
  }
  address.host = std::string(host);
  if (address.host == "localhost" || isIpv4(address.host)) return address;
  if (isIpv6(address.host)) {
    *error = "IPv6 address \"" + address.host + "\" needs brackets; write [" + address.host +
             "]:" + std::to_string(port);
  } else if (address.host.empty()) {
    *error = "the host is missing; " + std::string(kHostHint);
  } else {
    *error = "host \"" + address.host + "\" is not an IP address; " + std::string(kHostHint);
  }
  return std::nullopt;
}

std::string connectHost(const ListenAddress& address) {
  if (address.host == "0.0.0.0") return "127.0.0.1";
  if (address.host == "::") return "::1";
  return address.host;
}

}  // namespace pgbr
