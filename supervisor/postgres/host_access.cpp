#include "supervisor/postgres/host_access.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace pgbr {

namespace fs = std::filesystem;

namespace {

std::string firstWord(const std::string& text) {
  return text.substr(0, text.find(' '));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The prefix length after '/', or `whole` when there is none; -1 when it is not a number.
int prefixLength(std::string_view mask, int whole) {
  if (mask.empty()) return whole;
  int bits = -1;
  const auto [end, ec] = std::from_chars(mask.data(), mask.data() + mask.size(), bits);
  return ec == std::errc() && end == mask.data() + mask.size() ? bits : -1;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    const size_t start = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
    if (pos > start) out.push_back(line.substr(start, pos - start));
  }
  return out;
}

bool isHostRule(std::string_view type) {
  return type == "host" || type == "hostssl" || type == "hostnossl" || type == "hostgssenc" ||
         type == "hostnogssenc";
}

// A separate netmask column (`127.0.0.1 255.255.255.255`): loopback only if it keeps at least
// the first octet of an IPv4 address, or all of an IPv6 one.
bool maskStaysInLoopback(std::string_view address, std::string_view mask) {
  if (address.find(':') != std::string_view::npos) {
    return mask == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  }
  return mask.starts_with("255.");
}

}  // namespace

bool isLoopbackAddress(std::string_view address) {
  const size_t slash = address.find('/');
  const std::string_view host = address.substr(0, slash);
  const std::string_view mask =
      slash == std::string_view::npos ? std::string_view() : address.substr(slash + 1);
  if (host == "localhost") return mask.empty();
  if (host == "::1" || host == "0:0:0:0:0:0:0:1") return prefixLength(mask, 128) == 128;
  if (host.starts_with("127.")) {
    const int bits = prefixLength(mask, 32);
    return bits >= 8 && bits <= 32;
  }
  return false;
}

bool listensBeyondLoopback(std::string_view listen_addresses) {
  while (!listen_addresses.empty()) {
    const size_t comma = listen_addresses.find(',');
    const std::string_view entry = trim(listen_addresses.substr(0, comma));
    listen_addresses =
        comma == std::string_view::npos ? std::string_view() : listen_addresses.substr(comma + 1);
    if (!entry.empty() && !isLoopbackAddress(entry)) return true;
  }
  return false;
}

bool hbaAdmitsOtherHosts(std::string_view hba_text) {
  size_t pos = 0;
  while (pos < hba_text.size()) {
    size_t end = hba_text.find('\n', pos);
    if (end == std::string_view::npos) end = hba_text.size();
    std::string_view line = hba_text.substr(pos, end - pos);
    pos = end + 1;
    line = line.substr(0, line.find('#'));
    const std::vector<std::string_view> fields = words(line);
    // TYPE DATABASE USER ADDRESS [MASK] METHOD [OPTIONS]
    if (fields.size() < 5 || !isHostRule(fields[0])) continue;
    const std::string_view address = fields[3];
    if (!isLoopbackAddress(address)) return true;
    if (address.find('/') == std::string_view::npos && address != "localhost" &&
        fields.size() >= 6 && !maskStaysInLoopback(address, fields[4])) {
      return true;
    }
  }
  return false;
}

std::string hbaEntry(const std::string& method) {
  std::string text = "\n";
  if (firstWord(method) == "trust") {
    text += "# POSTGRES_HOST_AUTH_METHOD=trust: every host may connect without a password\n";
  }
  text += "host all all all " + method + "\n";
  return text;
}

std::string replicationHbaEntry(const std::string& user, const std::string& method) {
  return "\n# POSTGRES_REPLICATION_USER: standbys stream from here\nhost replication \"" + user +
         "\" all " + method + "\n";
}

std::string localOnlyHbaNote(const std::string& method) {
  return "\n# pgbr-supervisor: postgres listens on this machine only (PGBR_PG_LISTEN), so no rule "
         "for\n# other hosts here; with PGBR_PG_LISTEN='*' the next start adds\n# host all all "
         "all " +
         method + "\n";
}

HbaUpdate admitOtherHostsWhenListening(const fs::path& pgdata, std::string_view listen_addresses,
                                       const std::string& method) {
  HbaUpdate update;
  if (!listensBeyondLoopback(listen_addresses)) return update;
  const fs::path hba = pgdata / "pg_hba.conf";
  std::ifstream in(hba, std::ios::binary);
  if (!in) return update;
  std::ostringstream text;
  text << in.rdbuf();
  if (hbaAdmitsOtherHosts(text.str())) return update;
  std::ofstream out(hba, std::ios::app | std::ios::binary);
  out << hbaEntry(method);
  out.flush();
  if (!out) {
    update.error = "cannot append to " + hba.string() +
                   ": other hosts cannot connect until it has a rule such as `host all all all " +
                   method + "`";
    return update;
  }
  update.added = true;
  return update;
}

}  // namespace pgbr
