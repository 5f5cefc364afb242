// The standby's settings (standby_conf.h).
#include "supervisor/replica/standby_conf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

namespace pgbr {
namespace fs = std::filesystem;

namespace {

// The host name as an application name: letters, digits, '-', '_' and '.' only (Postgres keeps
// printable ASCII; a name that needs quoting in logs helps nobody).
std::string applicationName() {
  char buffer[256] = {};
  std::string name;
  if (gethostname(buffer, sizeof buffer - 1) == 0) name = buffer;
  std::string clean;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') clean += c;
  return clean.empty() ? "pgbr-standby" : clean.substr(0, 63);
}

// A value inside a single-quoted postgresql.conf string: ' doubled.
std::string confQuoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string primaryAddress(const Settings& settings) {
  const std::string& host = settings.bootstrap.standby_host;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(settings.bootstrap.standby_port);
}

std::string conninfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string pgpassField(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string renderStandbyConf(const Settings& settings, const fs::path& passfile,
                              const std::string& application_name) {
  std::string conninfo = "host=" + conninfoValue(settings.bootstrap.standby_host) +
                         " port=" + std::to_string(settings.bootstrap.standby_port) +
                         " user=" + conninfoValue(settings.init.replication_user);
  if (!passfile.empty()) conninfo += " passfile=" + conninfoValue(passfile.string());
  conninfo += " application_name=" + conninfoValue(application_name) + " connect_timeout=10";
  return "\n# A standby of " + primaryAddress(settings) +
         " (PGBR_STANDBY_PRIMARY); the password is in the passfile.\n"
         "primary_conninfo = " +
         confQuoted(conninfo) + "\n";
}

std::string standbyConf(const Settings& settings, std::string* error) {
  fs::path passfile;
  if (!settings.init.replication_password.empty()) {
    passfile = fs::path(settings.state_dir) / "replication.pgpass";
    const fs::path temp = passfile.string() + ".tmp";
    const std::string line = "*:*:*:" + pgpassField(settings.init.replication_user) + ':' +
                             pgpassField(settings.init.replication_password) + '\n';
    // Created 0600: libpq ignores a password file others can read, and so should everyone.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const bool written = fd >= 0 && ::fchmod(fd, 0600) == 0 &&
                         ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (fd >= 0) ::close(fd);
    if (!written) {
      *error = "PGBR_STANDBY_PRIMARY: cannot write " + temp.string();
      return "";
    }
    std::error_code ec;
    fs::rename(temp, passfile, ec);
    if (ec) {
      *error = "PGBR_STANDBY_PRIMARY: cannot write " + passfile.string() + ": " + ec.message();
      return "";
    }
  }
  return renderStandbyConf(settings, passfile, applicationName());
}

}  // namespace pgbr
