// Standbys (supervisor/replica/replica_capability.h): POST /api/v1/promote turns this standby
// into a primary. The role, streaming state and lag are in GET /api/v1/status ("replication").
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "supervisor/replica/replica_capability.h"

namespace pgbr {

void ApiServer::Impl::registerReplica() {
  add("POST", "/api/v1/promote", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<std::string> confirm = api::parsePromoteRequest(req.body);
        if (sendIfError(res, confirm)) return;
        auto* replica = asReplica(service_.capability(kReplicaCapability));
        if (!replica) {
          api::sendError(res, api::notFound("promotion is not available in this server"));
          return;
        }
        const Outcome<Job> job = replica->promote(std::get<std::string>(confirm));
        if (sendIfError(res, job)) return;
        res.set_header("Location", "/api/v1/jobs/" + std::get<Job>(job).id);
        sendJson(res, 202, {{"job", toJson(std::get<Job>(job))}});
      });
}

}  // namespace pgbr
