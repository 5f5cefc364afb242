// Bootstrap and replication settings (replica_settings.h).
#include "supervisor/config/replica_settings.h"

#include <array>
#include <cctype>
#include <charconv>

#include "supervisor/config/setting_values.h"

namespace pgbr {

namespace {

using setting_values::quotedText;
using setting_values::Reason;

constexpr std::array<std::string_view, 7> kTypes = {"latest", "set",  "time",     "lsn",
                                                    "xid",    "name", "immediate"};

Reason applyMode(Settings& s, const std::string& value) {
  if (value != "initdb" && value != "restore")
    return quotedText(value) +
           " is not a way to bootstrap; use initdb (a new database, the default) or restore (from "
           "the repository)";
  s.bootstrap.restore = value == "restore";
  return std::nullopt;
}

Reason applySourceStanza(Settings& s, const std::string& value) {
  Settings probe;
  if (Reason reason = setting_values::applyStanza(probe, value)) return reason;
  s.bootstrap.stanza = value;
  return std::nullopt;
}

Reason applyType(Settings& s, const std::string& value) {
  for (auto type : kTypes)
    if (type == value) {
      s.bootstrap.type = value;
      return std::nullopt;
    }
  return quotedText(value) +
         " is not a restore type; use latest, set, time, lsn, xid, name or immediate";
}

// host:port, [v6]:port or host (port 5432). Host names are allowed: in a cluster the primary is a
// DNS name that may not resolve yet when the standby starts.
Reason applyStandbyPrimary(Settings& s, const std::string& value) {
  const std::string hint = "; write host:port, e.g. pgbr-primary-0.pgbr:5432 or [fd00::1]:5432";
  if (value.find("://") != std::string::npos)
    return quotedText(value) + " is a URL; name the host and port only" + hint;
  std::string host = value;
  std::string port_text = "5432";
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string::npos) return quotedText(value) + " has no closing bracket" + hint;
    host = value.substr(1, close - 1);
    const std::string rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return quotedText(value) + " has text after the bracket" + hint;
      port_text = rest.substr(1);
    }
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      return quotedText(value) + " is not an IPv6 address in brackets" + hint;
  } else {
    const auto colon = value.find(':');
    if (colon != std::string::npos) {
      if (value.find(':', colon + 1) != std::string::npos)
        return quotedText(value) + ": an IPv6 address needs brackets" + hint;
      host = value.substr(0, colon);
      port_text = value.substr(colon + 1);
    }
    if (host.empty()) return quotedText(value) + " names no host" + hint;
    for (char c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
        return quotedText(value) + " is not a host name or address" + hint;
  }
  int port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535)
    return "port " + quotedText(port_text) + " is not a number from 1 to 65535" + hint;
  s.bootstrap.standby_host = host;
  s.bootstrap.standby_port = port;
  return std::nullopt;
}

bool isLoopbackName(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

constexpr auto kSpecs = std::to_array<SettingSpec>({
    {.env = "POSTGRES_REPLICATION_USER",
     .file_env = "POSTGRES_REPLICATION_USER_FILE",
     .metavar = "NAME",
     .help = "a role standbys stream with: created at initdb with the REPLICATION attribute and a "
             "pg_hba.conf rule for replication connections from any host",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       Settings probe;
       if (Reason reason = setting_values::applyUser(probe, v)) return reason;
       s.init.replication_user = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.replication_user; }},
    {.env = "POSTGRES_REPLICATION_PASSWORD",
     .file_env = "POSTGRES_REPLICATION_PASSWORD_FILE",
     .metavar = "PASSWORD",
     .help = "the replication role's password",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.init.replication_password = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.replication_password; }},
    {.env = "PGBR_BOOTSTRAP",
     .metavar = "initdb|restore",
     .help = "what an empty data directory is filled with: initdb makes a new database, restore "
             "restores the repository's backup of PGBR_BOOTSTRAP_STANZA (disaster recovery, a "
             "clone); a data directory that holds a database is never touched",
     .empty = EmptyValue::kUnset,
     .apply = applyMode,
     .show =
         [](const Settings& s) { return std::string(s.bootstrap.restore ? "restore" : "initdb"); }},
    {.env = "PGBR_BOOTSTRAP_STANZA",
     .metavar = "NAME",
     .help = "the stanza a bootstrap restores from; another name than PGBR_STANZA makes a clone "
             "that archives and backs up into PGBR_STANZA only",
     .default_text = "value of PGBR_STANZA",
     .empty = EmptyValue::kUnset,
     .apply = applySourceStanza,
     .show = [](const Settings& s) { return bootstrapSourceStanza(s); }},
    {.env = "PGBR_BOOTSTRAP_TYPE",
     .metavar = "TYPE",
     .help = "what a bootstrap restores: latest (the newest backup to the end of the archive), "
             "set, time, lsn, xid, name or immediate, as the restore API",
     .empty = EmptyValue::kUnset,
     .apply = applyType,
     .show = [](const Settings& s) { return s.bootstrap.type; }},
    {.env = "PGBR_BOOTSTRAP_TARGET",
     .metavar = "TARGET",
     .help = "the target of a time, lsn, xid or name bootstrap",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.bootstrap.target = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.bootstrap.target; }},
    {.env = "PGBR_BOOTSTRAP_SET",
     .metavar = "LABEL",
     .help = "the backup a bootstrap restores (a label from GET /api/v1/backups); default the "
             "newest",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.bootstrap.set = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.bootstrap.set; }},
    {.env = "PGBR_STANDBY_PRIMARY",
     .metavar = "HOST:PORT",
     .help =
         "makes this server a streaming standby of that primary: an empty data directory is "
         "restored from the repository (the newest backup of PGBR_STANZA, as a standby), then it "
         "streams with POSTGRES_REPLICATION_USER / _PASSWORD, the archive as fallback; no "
         "backups run until it is promoted",
     .default_text = "none: a primary",
     .empty = EmptyValue::kUnset,
     .apply = applyStandbyPrimary,
     .show =
         [](const Settings& s) {
           if (s.bootstrap.standby_host.empty()) return std::string();
           const bool v6 = s.bootstrap.standby_host.find(':') != std::string::npos;
           return (v6 ? "[" + s.bootstrap.standby_host + "]" : s.bootstrap.standby_host) + ":" +
                  std::to_string(s.bootstrap.standby_port);
         }},
});

}  // namespace

bool isStandby(const Settings& settings) {
  return !settings.bootstrap.standby_host.empty();
}

std::span<const SettingSpec> replicaSettingSpecs() {
  return kSpecs;
}

const std::string& bootstrapSourceStanza(const Settings& settings) {
  return settings.bootstrap.stanza.empty() ? settings.stanza : settings.bootstrap.stanza;
}

backrest::RestoreOptions bootstrapRestoreOptions(const BootstrapSettings& bootstrap) {
  backrest::RestoreOptions options;
  options.type = bootstrap.type == "latest" ? "delta" : bootstrap.type;
  options.target = bootstrap.target;
  options.set = bootstrap.set;
  options.target_action = "promote";
  return options;
}

std::optional<std::string> checkReplicaSettings(const Settings& settings) {
  const PostgresInitSettings& init = settings.init;
  if (!init.replication_password.empty() && init.replication_user.empty())
    return "POSTGRES_REPLICATION_PASSWORD is set but POSTGRES_REPLICATION_USER is not; set the "
           "user the standbys connect as";
  if (!init.replication_user.empty() && init.replication_user == init.user)
    return "POSTGRES_REPLICATION_USER is the superuser POSTGRES_USER, who may replicate "
           "already; name another role, or unset it";
  if (!init.replication_user.empty() && init.replication_password.empty() &&
      init.host_auth_method.rfind("trust", 0) != 0)
    return "POSTGRES_REPLICATION_USER needs POSTGRES_REPLICATION_PASSWORD (or _FILE): standbys "
           "authenticate with it";
  const BootstrapSettings& b = settings.bootstrap;
  if (isStandby(settings)) {
    if (b.restore || !b.stanza.empty() || b.type != "latest" || !b.target.empty() || !b.set.empty())
      return "PGBR_STANDBY_PRIMARY and PGBR_BOOTSTRAP* do not go together: a standby restores "
             "the newest backup of PGBR_STANZA and then follows its primary; unset "
             "PGBR_BOOTSTRAP*";
    if (init.replication_user.empty())
      return "PGBR_STANDBY_PRIMARY needs POSTGRES_REPLICATION_USER and "
             "POSTGRES_REPLICATION_PASSWORD (or _FILE): the role the primary was given for "
             "standbys";
    if (isLoopbackName(b.standby_host) && b.standby_port == settings.pg_port)
      return "PGBR_STANDBY_PRIMARY=" +
             (b.standby_host.find(':') != std::string::npos ? "[" + b.standby_host + "]"
                                                            : b.standby_host) +
             ":" + std::to_string(b.standby_port) +
             " is this server itself (its own port on this machine); name the primary's host";
    return std::nullopt;
  }
  if (!b.restore) {
    const BootstrapSettings defaults;
    if (b.stanza != defaults.stanza || b.type != defaults.type || b.target != defaults.target ||
        b.set != defaults.set)
      return "PGBR_BOOTSTRAP_STANZA, _TYPE, _TARGET and _SET only apply with "
             "PGBR_BOOTSTRAP=restore; set it, or unset them";
    return std::nullopt;
  }
  if (b.type == "latest" && !b.target.empty())
    return "PGBR_BOOTSTRAP_TARGET is set but PGBR_BOOTSTRAP_TYPE is latest; set the type "
           "(time, lsn, xid or name) or unset the target";
  std::string error;
  const backrest::CommandContext probe{"pgbackrest", "", bootstrapSourceStanza(settings), {}};
  if (!backrest::restoreCommand(probe, bootstrapRestoreOptions(b), &error))
    return "PGBR_BOOTSTRAP_TYPE=" + b.type + ": " + error +
           " (PGBR_BOOTSTRAP_TARGET, PGBR_BOOTSTRAP_SET)";
  return std::nullopt;
}

}  // namespace pgbr
