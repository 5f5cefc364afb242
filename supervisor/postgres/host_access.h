// Who may reach Postgres over TCP: where it listens (listen_addresses, from PGBR_PG_LISTEN and
// rendered by settings_file.h) and whether pg_hba.conf admits hosts other than this machine.
//
// Policy: on a plain machine Postgres listens on localhost only, and pg_hba.conf keeps initdb's
// local rules: nothing on the network reaches it. When the listen addresses reach beyond this
// machine (the image's '*', or PGBR_PG_LISTEN set so), pg_hba.conf gets the rule the stock image
// writes, `host all all all <POSTGRES_HOST_AUTH_METHOD>`, so that one variable opens Postgres:
// at initdb, and at a later start when PGBR_PG_LISTEN was opened since and pg_hba.conf has no
// rule of its own for other hosts. A rule the user wrote for other hosts (any address that is
// not loopback, even one that rejects) is a decision, and nothing is added then. Nothing is
// ever removed: closing PGBR_PG_LISTEN again is enough, because Postgres then listens on this
// machine only.
//
// Call after dropping privileges: pg_hba.conf belongs to the user Postgres runs as.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgbr {

// An address of this machine's loopback: "localhost", 127.x.x.x and ::1, with or without a
// CIDR mask that stays inside loopback (127.0.0.1/32, 127.0.0.0/8, ::1/128).
bool isLoopbackAddress(std::string_view address);

// True when one entry of a listen_addresses list (comma-separated, as Postgres reads it) is not
// loopback: "*", "0.0.0.0", a host name, an interface address. "" (socket only) is false.
bool listensBeyondLoopback(std::string_view listen_addresses);

// True when a `host`, `hostssl`, `hostnossl`, `hostgssenc` or `hostnogssenc` rule of the
// pg_hba.conf text names an address that is not loopback (all, samehost, 0.0.0.0/0, 10.0.0.0/8,
// a host name, ...), whatever its method.
bool hbaAdmitsOtherHosts(std::string_view hba_text);

// The lines appended to pg_hba.conf for other hosts (a warning comment first when the method is
// trust), as the stock image appends them.
std::string hbaEntry(const std::string& method);

// The comment appended at initdb instead, when Postgres listens on this machine only.
std::string localOnlyHbaNote(const std::string& method);
// The rule that lets `user` open replication connections (standbys) from any host with
// `method`: "all" in the database column never matches them.
std::string replicationHbaEntry(const std::string& user, const std::string& method);

struct HbaUpdate {
  bool added = false;
  std::string error;  // one lowercase line; empty on success
};

// Appends hbaEntry(method) to <pgdata>/pg_hba.conf when `listen_addresses` reaches beyond this
// machine and no rule admits other hosts yet. A missing pg_hba.conf is left alone (Postgres
// reports it, or reads another file through hba_file).
HbaUpdate admitOtherHostsWhenListening(const std::filesystem::path& pgdata,
                                       std::string_view listen_addresses,
                                       const std::string& method);

}  // namespace pgbr
