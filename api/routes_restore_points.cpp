// Named restore points (supervisor/restore/restore_points.h): POST /api/v1/restore-points
// creates one and answers once its WAL is in the repository, GET lists the ones a restore can
// still reach. The capability is found through Service::capability.
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "supervisor/restore/restore_points_capability.h"

namespace pgbr {

namespace {

RestorePointsCapability* findCapability(Service& service, httplib::Response& res) {
  auto* points = asRestorePoints(service.capability(kRestorePointsCapability));
  if (!points) api::sendError(res, api::notFound("restore points are not enabled in this server"));
  return points;
}

}  // namespace

void ApiServer::Impl::registerRestorePoints() {
  add("GET", "/api/v1/restore-points", false,
      [this](const httplib::Request&, httplib::Response& res) {
        auto* points = findCapability(service_, res);
        if (!points) return;
        sendJson(res, 200, points->listJson());
      });

  // Answers when the point's WAL segment is in the repository (or the archive timeout passed).
  add("POST", "/api/v1/restore-points", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<std::string> name = api::parseRestorePointRequest(req.body);
        if (sendIfError(res, name)) return;
        auto* points = findCapability(service_, res);
        if (!points) return;
        const Outcome<RestorePoint> point = points->create(std::get<std::string>(name));
        if (sendIfError(res, point)) return;
        sendJson(res, 201, {{"restore_point", toJson(std::get<RestorePoint>(point))}});
      });
}

}  // namespace pgbr
