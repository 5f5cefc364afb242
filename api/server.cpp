#include "api/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/input.h"
#include "api/openapi.h"
#include "api/server_impl.h"
#include "api/worker_pool.h"
#include "supervisor/config/listen_address.h"
#include "templates/embedded_assets.h"

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

constexpr size_t kMaxPathBytes = 1024;

bool changesState(const std::string& method) {
  return method == "POST" || method == "DELETE";
}

std::string lowerFirst(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

int localPort(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

// The accepted socket whose peer is addr:port and whose local port is local_port, or -1.
// httplib hands handlers the request, not its socket; the address pair names the connection
// uniquely, and the calling worker holds that connection open, so the descriptor found cannot
// be closed and reused meanwhile.
int findConnection(const std::string& addr, int port, int local_port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    const std::string name = entry.path().filename();
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (localPort(local) != local_port) continue;
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&peer), peer_len, host, sizeof host, serv,
                      sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
      continue;
    }
    if (addr == host && std::to_string(port) == serv) return fd;
  }
  return -1;
}

// Ends a connection whose answer has been written, without httplib reading from it again: the
// answer is followed by the end of the stream, what the client still sends is read and dropped
// until it closes (closing with unread bytes would reset the connection, and a reset can destroy
// the answer before the client reads it), then /dev/null takes the descriptor's place, so
// httplib's next read sees the end and closes it.
void endConnection(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  size_t dropped = 0;
  char buffer[16 * 1024];
  while (dropped < 4 * 1024 * 1024) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) break;
    dropped += static_cast<size_t>(n);
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) {
    ::dup2(null_fd, fd);
    ::close(null_fd);
  } else {
    ::shutdown(fd, SHUT_RDWR);
  }
}

// Set by refuseEarly on the worker answering the request, read by the logger on the same worker
// once the answer is written.
thread_local bool end_after_answer = false;

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
    if (!end_after_answer) return;
    end_after_answer = false;
    if (const int fd = findConnection(req.remote_addr, req.remote_port, port_); fd >= 0) {
      endConnection(fd);
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
  registerSeed();
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

void ApiServer::Impl::dispatch(const ApiRoute& route, const Handler& handler,
                               const httplib::Request& req, httplib::Response& res) {
  const MonoTime started = system_clock_.monotonic();
  try {
    if (!route.open) {
      const std::string authorization = req.get_header_value("Authorization");
      const std::string cookie = req.get_header_value("Cookie");
      const std::string csrf = req.get_header_value(std::string(api::kCsrfHeader));
      if (std::optional<Error> refused =
              auth_.check({authorization, cookie, csrf}, changesState(req.method))) {
        api::sendError(res, *refused);
        logRequest(req, res.status, started);
        return;
      }
    }
    handler(req, res);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {} failed: {}", req.method, req.path, e.what());
    res.content_provider_ = nullptr;
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
  } catch (...) {
    spdlog::error("api: {} {} failed with an unknown exception", req.method, req.path);
    res.content_provider_ = nullptr;
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
  }
  logRequest(req, res.status == -1 ? 200 : res.status, started);
}

httplib::Server::HandlerResponse ApiServer::Impl::refuseEarly(const httplib::Request& req,
                                                              httplib::Response& res,
                                                              const Error& error) const {
  api::sendError(res, error);
  // Refused before httplib read the body: on a kept-alive connection the unread body would be
  // parsed as the next request (a body can carry a whole request), so the connection ends after
  // this answer.
  res.set_header("Connection", "close");
  end_after_answer = true;  // the logger set in the constructor ends the connection
  logRequest(req, res.status, system_clock_.monotonic());
  return httplib::Server::HandlerResponse::Handled;
}

httplib::Server::HandlerResponse ApiServer::Impl::preRouting(const httplib::Request& req,
                                                             httplib::Response& res) {
  // httplib refuses one header line over 8 KiB but not many lines; cap the total as well.
  size_t header_bytes = 0;
  for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size() + 4;
  if (header_bytes > options_.max_header_bytes) {
    return refuseEarly(
        req, res,
        Error{ErrorCode::kHeadersTooLarge, "the request headers are larger than " +
                                               std::to_string(options_.max_header_bytes) +
                                               " bytes; send fewer or shorter headers"});
  }
  // Routes are matched with std::regex, whose libstdc++ matcher recurses once per character: a
  // long path could exhaust a worker's stack (httplib only caps the whole URI at 8 KiB).
  if (req.path.size() > kMaxPathBytes) {
    return refuseEarly(req, res,
                       Error{ErrorCode::kUriTooLong, "the request path is longer than " +
                                                         std::to_string(kMaxPathBytes) + " bytes"});
  }
  // httplib does not cap a chunked body, so it could grow without bound in memory; the API's
  // bodies are small JSON that every client sends with a length.
  if (req.has_header("Transfer-Encoding")) {
    return refuseEarly(req, res,
                       Error{ErrorCode::kLengthRequired,
                             "chunked request bodies are not accepted; send the body with a "
                             "Content-Length header"});
  }
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3);
  // `curl -X POST` sends exactly that for the bodiless actions (process restart, job cancel).
  // httplib 0.11 instead reads a POST's body until the client closes, which it never does: the
  // request would hang for the read timeout and end in 400. Saying "no body" is what the client
  // meant. The request is httplib's own non-const object, handed to this hook as const.
  if (req.method == "POST" && !req.has_header("Content-Length")) {
    const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

httplib::Server::HandlerResponse ApiServer::Impl::answerUnrouted(const httplib::Request& req,
                                                                 httplib::Response& res) {
  // Our own handlers always set a body; an empty one means httplib itself refused the request.
  if (!res.body.empty() || res.content_provider_) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  const int status = res.status;
  if (status == 404) {
    std::string allowed;
    for (size_t i = 0; i < routes_.size(); ++i) {
      if (std::regex_match(req.path, route_patterns_[i]) &&
          allowed.find(routes_[i].method) == std::string::npos) {
        allowed += (allowed.empty() ? "" : ", ") + routes_[i].method;
      }
    }
    if (!allowed.empty()) {
      api::sendError(
          res, Error{ErrorCode::kMethodNotAllowed, "method " + req.method + " is not allowed on " +
                                                       req.path + "; use " + allowed});
      res.set_header("Allow", allowed);
    } else {
      api::sendError(res, api::notFound("no route " + req.method + " " + req.path +
                                        "; see /api/v1/openapi.json for the routes"));
    }
  } else if (status == 413) {
    api::sendError(res, Error{ErrorCode::kPayloadTooLarge,
                              "the request body is larger than " +
                                  std::to_string(options_.max_body) + " bytes",
                              {}});
  } else if (status == 414) {
    api::sendError(res, Error{ErrorCode::kUriTooLong, "the request uri is too long"});
  } else if (status >= 500) {
    api::sendError(res, api::internalError("the server failed while answering; see the "
                                           "supervisor log"));
    res.status = status;
  } else {
    api::sendError(res, api::badRequest("malformed request: a bad request line, or a header "
                                        "line longer than 8192 bytes"));
    res.status = status;
  }
  logRequest(req, res.status, system_clock_.monotonic());
  return httplib::Server::HandlerResponse::Handled;
}

void ApiServer::Impl::logRequest(const httplib::Request& req, int status, MonoTime started,
                                 std::string_view note) const {
  // Method and path only: headers and query strings may carry credentials.
  const auto elapsed =
      std::chrono::duration_cast<Millis>(system_clock_.monotonic() - started).count();
  spdlog::debug("api: {} {} -> {} in {} ms{}{}", req.method, req.path, status, elapsed,
                note.empty() ? "" : " ", note);
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
