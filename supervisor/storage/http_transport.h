// One HTTP request at a time, streamed both ways, behind an interface so the S3 store is tested
// with a fake (tests/unit/storage) and runs over libcurl in production (curl_transport.h). The
// transport owns what is the same for every request: TLS settings, timeouts and request signing
// (credentials never pass through this interface, so nothing here can leak them).
//
// Policy: a request body is pulled from `body_source` in pieces; a response body with a 2xx status
// is pushed to `body_sink` as it arrives (any other status is collected in `body`, capped, for the
// error message). A sink that returns false stops the transfer; the response then says `stopped`.
// `error` is set (one line) only when no HTTP answer arrived at all: DNS, connect, TLS, timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgbr {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  // Scheme, host, port, path and a query whose parameters the caller has already sorted and
  // percent-encoded (signers such as curl 7.88's SigV4 sign the query exactly as given).
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Fills at most `max` bytes at `into`, returns how many; 0 means the body is complete. Null
  // for a request without a body. `body_size` bytes in all are announced as Content-Length.
  std::function<size_t(char* into, size_t max)> body_source = nullptr;
  uint64_t body_size = 0;
  // Receives a 2xx answer's body; null collects it in HttpResponse::body instead.
  std::function<bool(std::string_view)> body_sink = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers = {};  // names in lower case
  std::string body = {};   // the body when not sunk (error answers: their first 64 KiB)
  std::string error = {};  // set when no answer arrived; status is then 0
  bool stopped = false;    // the sink returned false
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // May be called from several threads at once.
  virtual HttpResponse perform(const HttpRequest& request) = 0;
};

// Percent-encoding as AWS SigV4 expects it: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, as
// does '/' when `keep_slash` (object paths), everything else becomes %XX in upper case.
std::string uriEncode(std::string_view text, bool keep_slash);

}  // namespace pgbr
