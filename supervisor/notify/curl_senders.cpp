// libcurl behind the channels: an unsigned HTTP POST for webhooks and SMTP for e-mail
// (channel.h). libcurl does TLS, STARTTLS, SMTP authentication and the SMTP dot-stuffing; nothing
// of those is written here.
#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "supervisor/notify/channel.h"

namespace pgbr {

namespace {

constexpr size_t kAnswerBodyCap = 16 * 1024;
constexpr long kConnectSeconds = 10;

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Easy newEasy() {
  // curl_global_init is not thread-safe and must run before the first easy handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return Easy(curl_easy_init());
}

constexpr const char* kCancelled = "stopped: the supervisor is shutting down";

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;  // 1 aborts the transfer
}

void setCommon(CURL* c, char* error_text, const std::string& ca_file, long timeout_seconds,
               const CancelFlag& cancel) {
  if (cancel) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel.get()));
  }
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(kConnectSeconds, timeout_seconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
}

std::string curlError(CURLcode rc, const char* error_text) {
  if (rc == CURLE_ABORTED_BY_CALLBACK) return kCancelled;
  return error_text[0] != '\0' ? std::string(error_text) : std::string(curl_easy_strerror(rc));
}

size_t collectBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  body->append(data, std::min(bytes, kAnswerBodyCap - std::min(kAnswerBodyCap, body->size())));
  return bytes;
}

size_t readFromSource(char* into, size_t size, size_t count, void* user) {
  auto* request = static_cast<const HttpRequest*>(user);
  return request->body_source(into, size * count);
}

class CurlWebhookTransport final : public HttpTransport {
 public:
  CurlWebhookTransport(std::string ca_file, long timeout_seconds, CancelFlag cancel)
      : ca_file_(std::move(ca_file)),
        timeout_seconds_(timeout_seconds),
        cancel_(std::move(cancel)) {}

  HttpResponse perform(const HttpRequest& request) override {
    HttpResponse response;
    Easy curl = newEasy();
    if (!curl) {
      response.error = "cannot start a libcurl request";
      return response;
    }
    CURL* c = curl.get();
    char error_text[CURL_ERROR_SIZE] = {0};
    setCommon(c, error_text, ca_file_, timeout_seconds_, cancel_);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collectBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    if (request.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    } else if (request.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.body_source) {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, readFromSource);
      curl_easy_setopt(c, CURLOPT_READDATA, &request);
    }
    curl_slist* raw = nullptr;
    // A small body needs no "Expect: 100-continue" round trip.
    raw = curl_slist_append(raw, "Expect:");
    for (const auto& [name, value] : request.headers)
      raw = curl_slist_append(raw, (name + ": " + value).c_str());
    Slist headers(raw);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      response.error = curlError(rc, error_text);
      response.body.clear();
      return response;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  std::string ca_file_;
  long timeout_seconds_;
  CancelFlag cancel_;
};

struct MailUpload {
  const std::string* message = nullptr;
  size_t sent = 0;
};

size_t readMail(char* into, size_t size, size_t count, void* user) {
  auto* upload = static_cast<MailUpload*>(user);
  const size_t n = std::min(size * count, upload->message->size() - upload->sent);
  std::copy_n(upload->message->data() + upload->sent, n, into);
  upload->sent += n;
  return n;
}

class CurlMailTransport final : public MailTransport {
 public:
  explicit CurlMailTransport(SmtpOptions options) : options_(std::move(options)) {}

  DeliveryResult send(const MailEnvelope& envelope) override {
    DeliveryResult result;
    const std::string where = redactUrl(options_.url);
    Easy curl = newEasy();
    if (!curl) {
      result.error = "cannot start a libcurl request";
      return result;
    }
    CURL* c = curl.get();
    char error_text[CURL_ERROR_SIZE] = {0};
    setCommon(c, error_text, options_.ca_file, options_.timeout_seconds, options_.cancel);
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtp:// must upgrade with STARTTLS or fail: a password is never sent in clear text.
    curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!options_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
    }
    const std::string from = "<" + envelope.from + ">";
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_slist* raw = nullptr;
    for (const auto& to : envelope.to) raw = curl_slist_append(raw, ("<" + to + ">").c_str());
    Slist recipients(raw);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    MailUpload upload{&envelope.message, 0};
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, readMail);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(envelope.message.size()));

    const CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
      result.ok = true;
      return result;
    }
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    const std::vector<std::string> secrets = {options_.password, options_.url};
    result.error = "sending mail through " + where +
                   " failed: " + scrubSecrets(curlError(rc, error_text), secrets);
    if (reply >= 400) result.error += " (smtp reply " + std::to_string(reply) + ")";
    if (rc == CURLE_LOGIN_DENIED) {
      result.permanent = true;
      result.error += "; check PGBR_NOTIFY_SMTP_USER and PGBR_NOTIFY_SMTP_PASSWORD";
    } else if (rc == CURLE_USE_SSL_FAILED) {
      result.permanent = true;
      result.error += "; the server offers no STARTTLS: use smtps:// or a server that does";
    } else if (reply >= 500) {
      result.permanent = true;
    }
    return result;
  }

 private:
  SmtpOptions options_;
};

}  // namespace

std::unique_ptr<HttpTransport> makeCurlWebhookTransport(std::string ca_file, long timeout_seconds,
                                                        CancelFlag cancel) {
  return std::make_unique<CurlWebhookTransport>(std::move(ca_file), timeout_seconds,
                                                std::move(cancel));
}

std::unique_ptr<MailTransport> makeCurlMailTransport(SmtpOptions options) {
  return std::make_unique<CurlMailTransport>(std::move(options));
}

}  // namespace pgbr
