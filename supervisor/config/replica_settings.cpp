// Bootstrap and replication settings (replica_settings.h).
#include "supervisor/config/replica_settings.h"

#include <array>

#include "supervisor/config/setting_values.h"

namespace pgbr {

namespace {

using setting_values::quoted;
using setting_values::Reason;

constexpr std::array<std::string_view, 7> kTypes = {"latest", "set",  "time",     "lsn",
                                                    "xid",    "name", "immediate"};

Reason applyMode(Settings& s, const std::string& value) {
  if (value != "initdb" && value != "restore")
    return quoted(value) +
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
  return quoted(value) +
         " is not a restore type; use latest, set, time, lsn, xid, name or immediate";
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
});

}  // namespace

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
