// Channels: where a notification goes (a webhook URL, a set of e-mail addresses). A channel sends
// one notification once and says how it went; retrying, backoff and rate limits are the
// dispatcher's (dispatcher.h). Sending is behind interfaces (HttpTransport, MailTransport) so the
// channels are tested with fakes; production uses libcurl for HTTPS and for SMTP.
//
// Policy:
// - A webhook URL is a secret (Slack's and Discord's carry their token in the path), so it never
//   appears in a result, a description or a log line: only `scheme://host[:port]/…`. An SMTP
//   password never appears either; the error text of a failure is scrubbed of both.
// - Which failures are worth retrying: an HTTP 4xx other than 408 and 429 means the request itself
//   is refused (a revoked webhook, a malformed body) and is permanent, as is a 3xx (redirects are
//   not followed, so the URL needs fixing); 5xx, 408, 429 and failures
//   without an answer (DNS, connect, TLS, timeout) are retryable. For SMTP a 5xx reply and a
//   refused login are permanent, a 4xx reply and a network failure retryable.
// - TLS is always verified; `ca_file` replaces the system's CA store for private endpoints.
// - send() may be called from several threads at once (the worker and a test from the API).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/notify/formats.h"
#include "supervisor/notify/notification.h"
#include "supervisor/storage/http_transport.h"

namespace pgbr {

struct DeliveryResult {
  bool ok = false;
  bool permanent = false;  // when !ok: retrying cannot help
  std::string error = {};  // when !ok: one line, no secret in it
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual const std::string& name() const = 0;  // "webhook-1", "email"
  virtual std::string_view kind() const = 0;    // "webhook" or "email"
  // What the channel is, with no secret in it: "slack webhook https://hooks.slack.com/…".
  virtual std::string describe() const = 0;
  virtual DeliveryResult send(const Notification& n) = 0;
};

// "https://user:pw@hooks.example.com:8443/services/T0/B0/XXX?x=1" ->
// "https://hooks.example.com:8443/…"
std::string redactUrl(std::string_view url);
// `text` with every occurrence of each non-empty secret replaced by "…".
std::string scrubSecrets(std::string text, const std::vector<std::string>& secrets);
// Whether an HTTP status is worth retrying (see the policy above).
bool isRetryableHttpStatus(long status);

struct WebhookOptions {
  std::string name;  // "webhook-1"
  std::string url;
  WebhookFormat format = WebhookFormat::kJson;
  std::string secret = {};  // signs JSON bodies (formats.h); ignored by Slack and Discord
};

std::unique_ptr<Channel> makeWebhookChannel(WebhookOptions options,
                                            std::shared_ptr<HttpTransport> transport);

// Set when the supervisor stops: a libcurl send in progress ends within about a second instead of
// running to its timeout (so a stop never waits 30 s for a dead mail server while Postgres waits
// to be shut down). The send then fails as retryable and is delivered after the restart.
using CancelFlag = std::shared_ptr<const std::atomic<bool>>;

// An HTTP transport for webhooks over libcurl: no request signing, http and https only, no
// redirects followed (a redirect would resend the body somewhere else), TLS verified, and a whole
// request given up after `timeout_seconds`.
std::unique_ptr<HttpTransport> makeCurlWebhookTransport(std::string ca_file, long timeout_seconds,
                                                        CancelFlag cancel = nullptr);

// One message to hand to an SMTP server.
struct MailEnvelope {
  std::string from;             // the bare address, for MAIL FROM
  std::vector<std::string> to;  // bare addresses, for RCPT TO
  std::string message;          // the RFC 5322 message, CRLF line endings
};

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // May be called from several threads at once.
  virtual DeliveryResult send(const MailEnvelope& envelope) = 0;
};

struct SmtpOptions {
  // smtp://host[:port] requires STARTTLS; smtps://host[:port] is TLS from the first byte.
  std::string url;
  std::string username = {};
  std::string password = {};
  std::string ca_file = {};
  long timeout_seconds = 30;
  CancelFlag cancel = nullptr;
};

std::unique_ptr<MailTransport> makeCurlMailTransport(SmtpOptions options);

struct MailOptions {
  std::string name = "email";
  std::string from;                     // "pgbr <pgbr@example.com>" or "pgbr@example.com"
  std::vector<std::string> to;          // addresses, each with or without a display name
  std::string server_description = {};  // "smtps://mail.example.com" for describe()
};

std::unique_ptr<Channel> makeMailChannel(MailOptions options,
                                         std::shared_ptr<MailTransport> transport);

// "pgbr <pgbr@example.com>" -> "pgbr@example.com"; a bare address is returned as is.
std::string bareAddress(std::string_view address);

}  // namespace pgbr
