// CurlTransport (curl_transport.h).
#include "supervisor/storage/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace pgbr {

namespace {

// An error answer is kept for its message only; a 2xx answer without a sink (a listing page of up
// to 1000 keys, a few hundred KiB) is kept whole up to a bound that no S3 answer comes near.
constexpr size_t kErrorBodyCap = 64 * 1024;
constexpr size_t kAnswerBodyCap = 16 * 1024 * 1024;

struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
};

size_t onRead(char* into, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  return t->request->body_source(into, size * count);
}

size_t onWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300 && t->request->body_sink) {
    if (!t->request->body_sink(std::string_view(data, bytes))) {
      t->response->stopped = true;
      return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
    }
    return bytes;
  }
  const size_t cap = status >= 200 && status < 300 ? kAnswerBodyCap : kErrorBodyCap;
  std::string& body = t->response->body;
  body.append(data, std::min(bytes, cap - std::min(cap, body.size())));
  return bytes;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  std::string_view line(data, bytes);
  // A new status line (after 100 Continue, or a redirect) starts a new set of headers.
  if (line.rfind("HTTP/", 0) == 0) t->response->headers.clear();
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  t->response->headers[name] = std::string(value);
  return bytes;
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options) : options_(std::move(options)) {
    // curl_global_init is not thread-safe and must run before the first easy handle.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    sigv4_ = "aws:amz:" + options_.region + ":s3";
    userpwd_ = options_.access_key + ":" + options_.secret_key;
  }

  HttpResponse perform(const HttpRequest& request) override {
    HttpResponse response;
    std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) {
      response.error = "cannot start a libcurl request";
      return response;
    }
    CURL* c = curl.get();
    Transfer transfer{c, &request, &response};
    char error_text[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_seconds);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.ca_path.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, options_.ca_path.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);

    if (request.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    } else if (request.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    } else if (request.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.body_source) {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
      curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
    }

    curl_slist* raw = nullptr;
    for (const auto& [name, value] : request.headers)
      raw = curl_slist_append(raw, (name + ": " + value).c_str());
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    const CURLcode rc = curl_easy_perform(c);
    if (response.stopped) return response;
    if (rc != CURLE_OK) {
      response.error = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
      response.status = 0;
      return response;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  CurlOptions options_;
  std::string sigv4_;
  std::string userpwd_;
};

}  // namespace

std::unique_ptr<HttpTransport> makeCurlTransport(const CurlOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace pgbr
