// The replication role on an existing data directory (replication_access.h).
#include "supervisor/replica/replication_access.h"

#include <fstream>

#include "supervisor/postgres/host_access.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/pg_connection.h"
#include "supervisor/postgres/temp_server.h"

namespace pgbr {

namespace {

// Rules that let `$1` replicate from beyond loopback (initdb's trust rules for 127.0.0.1 and ::1
// do not count: a standby runs elsewhere).
constexpr const char* kRuleQuery = R"sql(
SELECT count(*) FROM pg_hba_file_rules
 WHERE error IS NULL AND type LIKE 'host%' AND 'replication' = ANY(database)
   AND ('all' = ANY(user_name) OR $1 = ANY(user_name))
   AND coalesce(address, 'all') NOT IN ('127.0.0.1', '::1'))sql";

}  // namespace

std::vector<std::string> ensureReplicationAccess(const Settings& settings, std::string* error) {
  std::vector<std::string> done;
  const std::string& user = settings.init.replication_user;
  if (user.empty()) return done;
  const ConnParams params = supervisorConnParams(settings);
  ConnectResult connected = connectPg(params);
  if (!connected.ok()) {
    *error = connected.error;
    return done;
  }
  PGconn* c = connected.conn.get();
  QueryRows role = queryRows(
      c, "SELECT rolcanlogin AND rolreplication FROM pg_roles WHERE rolname = $1", {user});
  if (!role.ok()) {
    *error = role.error;
    return done;
  }
  if (role.rows.empty()) {
    if (std::string failed = LibpqServerAccess().createReplicationRole(
            params, user, settings.init.replication_password);
        !failed.empty()) {
      *error = "cannot create the replication role " + user + ": " + failed;
      return done;
    }
    done.push_back("created the replication role " + user + " (LOGIN REPLICATION)");
  } else if (role.rows[0][0] != std::optional<std::string>("t")) {
    const auto quoted = quoteIdentifier(c, user);
    if (!quoted) {
      *error = "cannot quote the role name " + user;
      return done;
    }
    if (std::string failed = execStatement(c, "ALTER ROLE " + *quoted + " WITH LOGIN REPLICATION");
        !failed.empty()) {
      *error = "cannot give " + user + " LOGIN REPLICATION: " + failed;
      return done;
    }
    done.push_back("gave the existing role " + user +
                   " LOGIN REPLICATION (its password is left as it was)");
  }
  QueryValue rules = queryValue(c, kRuleQuery, {user});
  if (!rules.ok()) {
    *error = "cannot read pg_hba_file_rules: " + rules.error;
    return done;
  }
  if (rules.value != std::optional<std::string>("0")) return done;
  QueryValue file = queryValue(c, "SELECT current_setting('hba_file')");
  if (!file.ok() || !file.value) {
    *error = "cannot find pg_hba.conf: " + file.error;
    return done;
  }
  {
    std::ofstream out(*file.value, std::ios::app);
    out << replicationHbaEntry(user, settings.init.host_auth_method);
    if (!out.flush()) {
      *error = "cannot append the replication rule to " + *file.value + "; add the line: host " +
               "replication \"" + user + "\" all " + settings.init.host_auth_method;
      return done;
    }
  }
  if (QueryValue reloaded = queryValue(c, "SELECT pg_reload_conf()"); !reloaded.ok()) {
    *error = "appended the replication rule to " + *file.value +
             " but the reload failed: " + reloaded.error;
    return done;
  }
  done.push_back("appended a rule for replication connections of " + user + " to " + *file.value +
                 " and reloaded the configuration");
  return done;
}

}  // namespace pgbr
