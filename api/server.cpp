#include "api/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "api/connection.h"
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "api/worker_pool.h"
#include "supervisor/config/listen_address.h"

namespace pgbr {

namespace {

using nlohmann::json;

// "/api/v1/jobs/{id}/log" -> "/api/v1/jobs/([^/]+)/log": a parameter is one path segment.
std::string patternFor(const std::string& path) {
  std::string pattern;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '{') {
      i = path.find('}', i);
      pattern += "([^/]+)";
      continue;
    }
    if (std::string_view(".[]()*+?^$|\\").find(c) != std::string_view::npos) pattern += '\\';
    pattern += c;
  }
  return pattern;
}

std::string lowerFirst(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

}  // namespace

std::optional<std::string_view> queryParam(const httplib::Request& req, const std::string& name) {
  const auto it = req.params.find(name);
  if (it == req.params.end()) return std::nullopt;
  return std::string_view(it->second);
}

void sendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(api::jsonText(body), "application/json");
}

void ApiServer::Impl::sendCachedJson(httplib::Response& res, api::AnswerCache& cache,
                                     const std::function<json()>& build) {
  const Clock& clock = options_.clock != nullptr ? *options_.clock : system_clock_;
  const int64_t second =
      std::chrono::duration_cast<Seconds>(clock.wall().time_since_epoch()).count();
  const std::shared_ptr<const std::string> text =
      cache.get(service_.revision(), second, [&] { return api::jsonText(build()); });
  res.status = 200;
  res.set_content(*text, "application/json");
}

ApiServer::Impl::Impl(Service& service, ApiOptions options)
    : service_(service),
      options_(std::move(options)),
      auth_(api::AuthOptions{options_.auth, options_.token, options_.session_ttl, 256},
            options_.clock != nullptr ? *options_.clock : system_clock_) {
  if (options_.threads == 0) throw std::invalid_argument("the api needs at least one thread");

  const api::WorkerPoolOptions pool{options_.threads,
                                    std::min(options_.idle_threads, options_.threads)};
  http_.new_task_queue = [pool] { return new api::WorkerPool(pool); };
  http_.set_payload_max_length(options_.max_body);
  // Keep-alive: a client polling the status reuses its connection (a new one per request costs
  // more than the answer). A request refused before its body was read closes its connection
  // (see refuseEarly), so the body is never parsed as the next request.
  http_.set_keep_alive_max_count(std::max<size_t>(options_.keep_alive_requests, 1));
  http_.set_read_timeout(options_.read_timeout);
  http_.set_write_timeout(options_.write_timeout);
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same port and
  // silently take half the connections; SO_REUSEADDR alone allows a quick restart.
  http_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;  // a server's only socket created this way: the listening one
  });
  // Every answer is a header write and a body write; with Nagle's algorithm the body waits for
  // the client's ACK of the headers.
  http_.set_tcp_nodelay(true);
  // httplib 0.11 decides whether a connection stays open before any hook runs; its logger runs
  // after the answer is written, which is where a connection refused early is ended.
  http_.set_logger([this](const httplib::Request& req, const httplib::Response&) {
    if (!api::takeEndAfterAnswer()) return;
    if (const int fd = api::findConnection(req.remote_addr, req.remote_port, port_); fd >= 0) {
      api::endConnection(fd);
    } else {
      spdlog::warn("api: could not find the connection of {}:{} to end it", req.remote_addr,
                   req.remote_port);
    }
  });
  http_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                             {"X-Frame-Options", "DENY"},
                             {"Referrer-Policy", "no-referrer"},
                             {"Cache-Control", "no-store"}});
  http_.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return preRouting(req, res); });
  http_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        return answerUnrouted(req, res);
      }));
  http_.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        // dispatch() catches everything a handler throws; this is the last line for the rest.
        spdlog::error("api: {} {} failed with an exception", req.method, req.path);
        api::sendError(res, api::internalError("the server failed while answering; see the "
                                               "supervisor log"));
      });

  registerBasics();
  registerV1();
  registerRestorePoints();
  registerSeed();
  registerDrills();
  registerDumps();
  registerReplica();
  registerNotifications();
  installRoutes();
}

void ApiServer::Impl::add(const std::string& method, const std::string& path, bool open,
                          Handler handler, bool asset) {
  routes_.push_back(ApiRoute{method, path, open, asset});
  const std::string pattern = patternFor(path);
  route_patterns_.emplace_back(pattern);
  auto wrapped = [this, route = routes_.back(), handler = std::move(handler)](
                     const httplib::Request& req, httplib::Response& res) {
    dispatch(route, handler, req, res);
  };
  if (method != "GET" && method != "POST" && method != "DELETE") {
    throw std::logic_error("unsupported method " + method);
  }
  pending_.push_back(PendingRoute{method, pattern, std::move(wrapped), isPolled(path)});
}

bool ApiServer::Impl::isPolled(const std::string& path) {
  static constexpr std::string_view kPolled[] = {
      "/api/v1/status", "/pgBackRest/info", "/api/v1/backups", "/healthz",
      "/readyz",        "/metrics",         "/api/v1/jobs",    "/api/v1/processes"};
  return std::find(std::begin(kPolled), std::end(kPolled), path) != std::end(kPolled);
}

void ApiServer::Impl::installRoutes() {
  // httplib tries a method's patterns in the order they were added, each a std::regex match
  // that costs about as much as answering /healthz; the routes clients poll go first, so the
  // dashboard's status and the seed's info do not pay for thirty failed matches.
  std::stable_partition(pending_.begin(), pending_.end(),
                        [](const PendingRoute& route) { return route.polled; });
  for (PendingRoute& route : pending_) {
    if (route.method == "GET") {
      http_.Get(route.pattern, std::move(route.handler));
    } else if (route.method == "POST") {
      http_.Post(route.pattern, std::move(route.handler));
    } else {
      http_.Delete(route.pattern, std::move(route.handler));
    }
  }
  pending_.clear();
}

Outcome<uint64_t> ApiServer::Impl::followStart(const httplib::Request& req) const {
  std::optional<std::string_view> after = queryParam(req, "after");
  const std::string last_event_id = req.get_header_value("Last-Event-ID");
  if (!after && !last_event_id.empty()) after = last_event_id;
  return api::parseCount("after", after, 0, UINT64_MAX);
}

std::string ApiServer::Impl::bind(const std::string& listen) {
  const std::string fix = "; set PGBR_API_LISTEN to a free address";
  if (bound_) return "cannot listen on " + listen + ": the api is already listening";
  // Port 0 (any free port, used by tests) is not a valid configured port: check the host with a
  // placeholder port, then bind port 0.
  const bool any_port = listen.size() > 2 && listen.ends_with(":0");
  std::string error;
  const std::optional<ListenAddress> address =
      parseListenAddress(any_port ? listen.substr(0, listen.size() - 1) + "1" : listen, &error);
  if (!address) return "cannot listen on " + listen + ": " + error;

  errno = 0;
  int port = -1;
  if (any_port) {
    port = http_.bind_to_any_port(address->host);
  } else if (http_.bind_to_port(address->host, address->port)) {
    port = address->port;
  }
  if (port <= 0) {
    const int err = errno;
    const std::string reason =
        err != 0 ? lowerFirst(std::generic_category().message(err)) : "the address cannot be bound";
    return "cannot listen on " + listen + ": " + reason + fix;
  }
  // httplib 0.11 listens with a backlog of 5: a burst of new connections (one per request, see
  // the keep-alive policy) overflows it, and each refused SYN costs the client a one-second
  // retransmit. Listening again on the bound socket raises the backlog to the system's cap.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  port_ = port;
  bound_ = true;
  return {};
}

void ApiServer::Impl::start() {
  if (!bound_) throw std::logic_error("ApiServer::start() before a successful bind()");
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    if (!http_.listen_after_bind()) spdlog::error("api: the listening socket failed");
    loop_returned_ = true;
  });
  // httplib's stop() does nothing until the loop runs, so a stop() right after start() would
  // leave the loop serving forever: return only once it runs (or has already given up).
  while (!http_.is_running() && !loop_returned_) std::this_thread::sleep_for(Millis(1));
}

void ApiServer::Impl::stop() {
  stopping_ = true;
  http_.stop();
  if (thread_.joinable()) thread_.join();
}

ApiServer::ApiServer(Service& service, ApiOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {}

ApiServer::~ApiServer() {
  impl_->stop();
}

std::string ApiServer::bind(const std::string& listen) {
  return impl_->bind(listen);
}
int ApiServer::port() const {
  return impl_->port_;
}
void ApiServer::start() {
  impl_->start();
}
void ApiServer::stop() {
  impl_->stop();
}
std::vector<ApiRoute> ApiServer::routes() const {
  return impl_->routes_;
}

}  // namespace pgbr
