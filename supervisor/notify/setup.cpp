// Notify objects from the settings (setup.h).
#include "supervisor/notify/setup.h"

#include "supervisor/config/notify_settings.h"

namespace pgbr {

namespace {

WebhookFormat formatOf(const std::string& name) {
  if (name == "slack") return WebhookFormat::kSlack;
  if (name == "discord") return WebhookFormat::kDiscord;
  return WebhookFormat::kJson;
}

}  // namespace

std::vector<std::unique_ptr<Channel>> makeChannels(const NotifySettings& settings,
                                                   std::shared_ptr<HttpTransport> http,
                                                   std::shared_ptr<MailTransport> mail,
                                                   CancelFlag cancel) {
  std::vector<std::unique_ptr<Channel>> channels;
  const auto targets = notifyWebhookTargets(settings);
  if (!targets.empty() && !http)
    http = makeCurlWebhookTransport(settings.ca_file, kWebhookTimeoutSeconds, cancel);
  for (size_t i = 0; i < targets.size(); ++i) {
    channels.push_back(makeWebhookChannel({"webhook-" + std::to_string(i + 1), targets[i].url,
                                           formatOf(targets[i].format), settings.webhook_secret},
                                          http));
  }
  if (!settings.smtp_url.empty()) {
    if (!mail)
      mail = makeCurlMailTransport({settings.smtp_url, settings.smtp_user, settings.smtp_password,
                                    settings.ca_file, kMailTimeoutSeconds, cancel});
    channels.push_back(makeMailChannel(
        {"email", settings.email_from, settings.email_to, redactUrl(settings.smtp_url)}, mail));
  }
  return channels;
}

OutboxOptions outboxOptions(const NotifySettings& settings) {
  OutboxOptions options;
  options.retry_for = std::chrono::hours(settings.retry_hours);
  return options;
}

std::filesystem::path notifyFolder(const Settings& settings) {
  return std::filesystem::path(settings.state_dir) / "notify";
}

bool isWanted(const NotifySettings& settings, NotifyKind kind) {
  switch (kind) {
    case NotifyKind::kFailure:
      return settings.events_failures;
    case NotifyKind::kAlert:
      return settings.events_alerts;
    case NotifyKind::kSuccess:
      return settings.events_success;
  }
  return false;
}

}  // namespace pgbr
