// A webhook channel: one POST of a rendered body to one URL (channel.h, formats.h).
#include <algorithm>

#include "supervisor/notify/channel.h"

namespace pgbr {

namespace {

// Enough of an error answer to say why ("invalid_token", "Unknown Webhook"), not a page of HTML.
constexpr size_t kAnswerSnippetMax = 160;

std::string oneLine(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  return out;
}

class WebhookChannel final : public Channel {
 public:
  WebhookChannel(WebhookOptions options, std::shared_ptr<HttpTransport> transport)
      : options_(std::move(options)), transport_(std::move(transport)) {
    // The path and query carry the token; the whole URL, the path alone and the secret are all
    // scrubbed from anything the transport or the receiver says back.
    const std::string_view url = options_.url;
    const size_t scheme_end = url.find("://");
    const size_t path = scheme_end == std::string_view::npos
                            ? std::string_view::npos
                            : url.find_first_of("/?#", scheme_end + 3);
    secrets_ = {options_.url, options_.secret};
    if (path != std::string_view::npos && url.size() - path > 1)
      secrets_.emplace_back(url.substr(path));
    const size_t at = url.find('@');
    if (scheme_end != std::string_view::npos && at != std::string_view::npos && at < path)
      secrets_.emplace_back(url.substr(scheme_end + 3, at - scheme_end - 3));
    // Longest first, so the whole URL is replaced before its path.
    std::sort(secrets_.begin(), secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }

  const std::string& name() const override { return options_.name; }
  std::string_view kind() const override { return "webhook"; }
  std::string describe() const override {
    return std::string(webhookFormatName(options_.format)) + " webhook " + redactUrl(options_.url);
  }

  DeliveryResult send(const Notification& n) override {
    const std::string body = renderWebhookBody(options_.format, n);
    HttpRequest request;
    request.method = "POST";
    request.url = options_.url;
    // Slack and Discord ignore the X-Pgbr-* headers; only the JSON format is signed.
    request.headers = webhookHeaders(
        n, body, options_.format == WebhookFormat::kJson ? std::string_view(options_.secret) : "");
    size_t sent = 0;
    request.body_size = body.size();
    request.body_source = [&body, &sent](char* into, size_t max) {
      const size_t count = std::min(max, body.size() - sent);
      std::copy_n(body.data() + sent, count, into);
      sent += count;
      return count;
    };
    const HttpResponse response = transport_->perform(request);
    DeliveryResult result;
    const std::string where = redactUrl(options_.url);
    if (response.status == 0) {
      result.error =
          "cannot reach " + where + ": " + scrubSecrets(oneLine(response.error, 300), secrets_);
      return result;
    }
    if (response.status >= 200 && response.status < 300) {
      result.ok = true;
      return result;
    }
    result.permanent = !isRetryableHttpStatus(response.status);
    result.error = where + " answered HTTP " + std::to_string(response.status);
    const std::string snippet = scrubSecrets(oneLine(response.body, kAnswerSnippetMax), secrets_);
    if (!snippet.empty()) result.error += ": " + snippet;
    if (result.permanent) result.error += " (check the webhook URL; not retried)";
    return result;
  }

 private:
  WebhookOptions options_;
  std::shared_ptr<HttpTransport> transport_;
  std::vector<std::string> secrets_;
};

}  // namespace

std::unique_ptr<Channel> makeWebhookChannel(WebhookOptions options,
                                            std::shared_ptr<HttpTransport> transport) {
  return std::make_unique<WebhookChannel>(std::move(options), std::move(transport));
}

}  // namespace pgbr
