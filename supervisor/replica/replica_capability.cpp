// ReplicaCapability (replica_capability.h).
#include "supervisor/replica/replica_capability.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "supervisor/common/json_time.h"
#include "supervisor/config/replica_settings.h"
#include "supervisor/jobs/job_submit.h"
#include "supervisor/postgres/local_conn.h"
#include "supervisor/postgres/status.h"
#include "supervisor/replica/replication_access.h"
#include "supervisor/replica/standby_conf.h"

namespace pgbr {
namespace fs = std::filesystem;

namespace {

constexpr Millis kPollInterval{2000};
constexpr Millis kProbeInterval{15000};

// The addresses of this machine's interfaces, as text.
std::set<std::string> ownAddresses() {
  std::set<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ifa_addr->sa_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    else if (a->ifa_addr->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, text,
                sizeof text);
    if (text[0]) out.insert(text);
  }
  freeifaddrs(list);
  return out;
}

// True when `host` resolves to an address of this machine (or a loopback one).
bool resolvesHere(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  const std::set<std::string> own = ownAddresses();
  bool here = false;
  for (addrinfo* a = found; a && !here; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
    else if (a->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text,
                sizeof text);
    const std::string address = text;
    here = own.contains(address) || address.rfind("127.", 0) == 0 || address == "::1";
  }
  freeaddrinfo(found);
  return here;
}

nlohmann::json optionalJson(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json optionalJson(const std::optional<double>& v) {
  return v ? nlohmann::json(std::round(*v * 1000) / 1000) : nlohmann::json(nullptr);
}

}  // namespace

ReplicaCapability::ReplicaCapability(const CoreParts& parts)
    : p_(parts), thread_(kPollInterval, [this] { poll(); }) {}

ReplicaCapability::~ReplicaCapability() {
  stop();
}

void ReplicaCapability::stop() {
  thread_.stop();
  conn_.reset();
}

bool ReplicaCapability::isStandbyNow() const {
  std::error_code ec;
  return fs::exists(fs::path(p_.settings.pgdata) / "standby.signal", ec);
}

void ReplicaCapability::start() {
  access_pending_ = true;
  thread_.poke();
}

void ReplicaCapability::poll() {
  if (access_pending_.exchange(false)) {
    std::string error;
    for (const std::string& line : ensureReplicationAccess(p_.settings, &error))
      spdlog::info("replication: {}", line);
    if (!error.empty())
      spdlog::warn("replication: {}; standbys cannot connect as {} until it is fixed", error,
                   p_.settings.init.replication_user);
  }
  ReplicationStatus status;
  if (p_.run.init_done && !p_.run.restore_running) {
    if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    if (!conn_) {
      ConnectResult connected = connectPg(supervisorConnParams(p_.settings));
      if (connected.ok())
        conn_ = std::move(connected.conn);
      else
        status.error = connected.error;
    }
    if (conn_) status = readReplication(conn_.get());
    if (!status.ok && conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
  } else {
    status.error = "postgres is not running";
  }
  const bool standby = status.ok && status.in_recovery && isStandbyNow();
  std::string probe;
  bool probed = false;
  if (standby && status.receiver != "streaming" && p_.clock.monotonic() >= next_probe_) {
    probe = probePrimary();
    probed = true;
    next_probe_ = p_.clock.monotonic() + kProbeInterval;
  }
  std::string state;
  if (standby) {
    state = status.receiver == "streaming" ? "streaming from " + status.sender : "not streaming";
  }
  {
    std::lock_guard lock(mutex_);
    last_ = status;
    if (standby && status.receiver == "streaming") primary_error_.clear();
    if (probed) primary_error_ = probe;
    if (state == "not streaming") state += primary_error_.empty() ? "" : ": " + primary_error_;
  }
  if (standby && state != logged_state_ && (probed || status.receiver == "streaming")) {
    if (status.receiver == "streaming")
      spdlog::info("standby: {}", state);
    else if (state == "not streaming")  // the primary answers: the usual catch-up after a restore
      spdlog::info("standby: replaying the archive; it streams from the primary once caught up");
    else
      spdlog::warn("standby: {} (replaying the archive meanwhile; postgres retries)", state);
    logged_state_ = state;
  }
}

std::string ReplicaCapability::probePrimary() {
  const BootstrapSettings& b = p_.settings.bootstrap;
  if (b.standby_host.empty()) return "PGBR_STANDBY_PRIMARY is not set";
  if (b.standby_port == p_.settings.pg_port && resolvesHere(b.standby_host))
    return "PGBR_STANDBY_PRIMARY=" + primaryAddress(p_.settings) +
           " is this server itself; name the primary";
  const std::string port = std::to_string(b.standby_port);
  const std::string passfile = (fs::path(p_.settings.state_dir) / "replication.pgpass").string();
  std::vector<const char*> keys = {
      "host", "port", "user", "replication", "dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {b.standby_host.c_str(),
                                     port.c_str(),
                                     p_.settings.init.replication_user.c_str(),
                                     "true",
                                     "replication",
                                     "5",
                                     "pgbr-supervisor probe"};
  if (!p_.settings.init.replication_password.empty()) {
    keys.push_back("passfile");
    values.push_back(passfile.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 0));
  if (conn && PQstatus(conn.get()) == CONNECTION_OK) return "";
  return "cannot connect to " + primaryAddress(p_.settings) + " as " +
         p_.settings.init.replication_user + ": " +
         (conn ? cleanPgError(PQerrorMessage(conn.get())) : std::string("out of memory"));
}

void ReplicaCapability::addStatus(nlohmann::json& status) {
  ReplicationStatus s;
  std::string primary_error;
  {
    std::lock_guard lock(mutex_);
    s = last_;
    primary_error = primary_error_;
  }
  nlohmann::json r = nlohmann::json::object();
  if (!s.ok) {
    r["role"] = nullptr;
    r["error"] = s.error;
    status["replication"] = r;
    return;
  }
  const bool standby = s.in_recovery && isStandbyNow();
  r["role"] = standby ? "standby" : s.in_recovery ? "recovering" : "primary";
  if (standby) {
    r["primary"] = primaryAddress(p_.settings);
    r["streaming"] = s.receiver == "streaming";
    r["receiver"] = s.receiver.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.receiver);
    r["sender"] = s.sender.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.sender);
    r["primary_error"] =
        primary_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(primary_error);
    r["receive_lsn"] =
        s.receive_lsn.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.receive_lsn);
    r["replay_lsn"] = s.replay_lsn.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.replay_lsn);
    r["lag_bytes"] = optionalJson(s.lag_bytes);
    r["lag_seconds"] = optionalJson(s.lag_seconds);
    r["last_message_at"] = timeOrNull(s.last_message);
    r["backups"] = "none until promoted";
  } else {
    nlohmann::json peers = nlohmann::json::array();
    for (const StandbyPeer& peer : s.standbys)
      peers.push_back({{"name", peer.name},
                       {"client", peer.client},
                       {"state", peer.state},
                       {"lag_bytes", optionalJson(peer.lag_bytes)},
                       {"lag_seconds", optionalJson(peer.lag_seconds)}});
    r["standbys"] = peers;
  }
  status["replication"] = r;
}

void ReplicaCapability::addMetrics(Metrics& metrics) {
  ReplicationStatus s;
  {
    std::lock_guard lock(mutex_);
    s = last_;
  }
  if (!s.ok) return;
  const bool standby = s.in_recovery && isStandbyNow();
  MetricFamily role{"pgbr_replication_standby",
                    "gauge",
                    "1 when this server is a standby (in recovery with standby.signal), else 0",
                    {}};
  role.add({}, int64_t{standby ? 1 : 0});
  metrics.push_back(std::move(role));
  if (standby) {
    MetricFamily streaming{"pgbr_replication_streaming",
                           "gauge",
                           "1 while the standby's WAL receiver streams from the primary",
                           {}};
    streaming.add({}, int64_t{s.receiver == "streaming" ? 1 : 0});
    metrics.push_back(std::move(streaming));
    if (s.lag_bytes) {
      MetricFamily bytes{"pgbr_replication_lag_bytes",
                         "gauge",
                         "WAL the primary reported that this standby has not replayed yet",
                         {}};
      bytes.add({}, *s.lag_bytes);
      metrics.push_back(std::move(bytes));
    }
    if (s.lag_seconds) {
      MetricFamily seconds{"pgbr_replication_lag_seconds",
                           "gauge",
                           "0 when all received WAL is replayed, else the age of the last "
                           "replayed transaction",
                           {}};
      seconds.add({}, *s.lag_seconds);
      metrics.push_back(std::move(seconds));
    }
    return;
  }
  MetricFamily count{"pgbr_replication_standbys",
                     "gauge",
                     "Standbys streaming from this server (pg_stat_replication)",
                     {}};
  count.add({}, static_cast<int64_t>(s.standbys.size()));
  metrics.push_back(std::move(count));
  MetricFamily peer_bytes{"pgbr_replication_standby_lag_bytes",
                          "gauge",
                          "WAL written here that a standby has not replayed yet",
                          {}};
  for (const StandbyPeer& peer : s.standbys)
    if (peer.lag_bytes) peer_bytes.add({{"standby", peer.name}}, *peer.lag_bytes);
  if (!peer_bytes.samples.empty()) metrics.push_back(std::move(peer_bytes));
}

Outcome<Job> ReplicaCapability::promote(const std::string& confirm) {
  if (confirm != p_.settings.stanza)
    return Error{ErrorCode::kConfirmRequired,
                 "promoting makes this standby a primary that no longer follows " +
                     (p_.settings.bootstrap.standby_host.empty() ? std::string("its primary")
                                                                 : primaryAddress(p_.settings)) +
                     "; send {\"confirm\": \"" + p_.settings.stanza + "\"} (the stanza's name)"};
  if (p_.run.restore_running)
    return Error{ErrorCode::kConflict, "a restore is running; it ends with its own promotion"};
  if (!isStandbyNow())
    return Error{ErrorCode::kConflict, "this server is not a standby (no standby.signal in " +
                                           p_.settings.pgdata + "); only a standby is promoted"};
  return submitJob(p_.jobs, p_.run, JobKind::kPromote, JobTrigger::kApi, nlohmann::json::object(),
                   [this](JobContext& ctx) { return runPromotion(ctx); });
}

JobOutcome ReplicaCapability::runPromotion(JobContext& ctx) {
  JobOutcome out;
  ConnectResult conn = connectPg(supervisorConnParams(p_.settings));
  if (!conn.ok()) {
    out.message = "cannot connect to postgres: " + conn.error;
    return out;
  }
  ctx.log().appendLine("SELECT pg_promote(wait => true, wait_seconds => 120)");
  QueryValue promoted =
      queryValue(conn.conn.get(), "SELECT pg_promote(wait => true, wait_seconds => 120)");
  if (!promoted.ok()) {
    out.message = "pg_promote failed: " + promoted.error;
    return out;
  }
  if (promoted.value != std::optional<std::string>("t")) {
    out.message = "postgres did not finish its promotion within 120 s; see its log";
    return out;
  }
  QueryValue writable = queryValue(conn.conn.get(), "SELECT NOT pg_is_in_recovery()");
  if (writable.value != std::optional<std::string>("t")) {
    out.message = "postgres is still in recovery after pg_promote";
    return out;
  }
  QueryValue wal = queryValue(conn.conn.get(), "SELECT pg_walfile_name(pg_current_wal_lsn())");
  const uint32_t timeline = walTimeline(wal.value.value_or(""));
  out.state = JobState::kSucceeded;
  out.message = "promoted: writable on timeline " + std::to_string(timeline) +
                "; archiving goes on into stanza " + p_.settings.stanza +
                ", and the new timeline's first backup follows as a job";
  out.result = {{"timeline", timeline}};
  ctx.log().appendLine(out.message);
  spdlog::info("promote: {}", out.message);
  return out;
}

CapabilityFactory makeReplicaCapability() {
  return [](const CoreParts& parts) { return std::make_unique<ReplicaCapability>(parts); };
}

ReplicaCapability* asReplica(Capability* capability) {
  return capability && capability->name() == kReplicaCapability
             ? static_cast<ReplicaCapability*>(capability)
             : nullptr;
}

}  // namespace pgbr
