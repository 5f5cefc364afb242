// The notification settings (PGBR_NOTIFY_*): their rows of the setting table, their parsers, the
// checks that need several of them at once, and the resolved list of webhooks.
//
// Policy:
// - Webhook URLs carry their token in the path, so they are secrets: the _FILE form is offered,
//   an error about one names its position ("webhook URL 2"), never its text, and the
//   configuration dump shows only `[format+]scheme://host/…` of each.
// - PGBR_NOTIFY_WEBHOOK_URLS separates URLs by commas or spaces. Each takes its format from an
//   optional prefix ("slack+https://…", "discord+https://…", "json+https://…"), else from
//   PGBR_NOTIFY_WEBHOOK_FORMAT; Mattermost takes the slack format. Only http and https.
// - E-mail needs PGBR_NOTIFY_SMTP_URL, PGBR_NOTIFY_EMAIL_FROM and PGBR_NOTIFY_EMAIL_TO together;
//   PGBR_NOTIFY_SMTP_USER and PGBR_NOTIFY_SMTP_PASSWORD together. smtp:// always upgrades with
//   STARTTLS (a server without it is an error, never a clear-text fallback); smtps:// is TLS from
//   the first byte. The user and password have settings of their own, not the URL.
// - PGBR_NOTIFY_EVENTS: words from failures (a job failed), alerts (archiving stuck, WAL
//   backlog, overdue schedules, Postgres restarts, repository status), success (a job
//   succeeded); "all" for the three, "none" for nothing. Default: failures,alerts.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "supervisor/config/setting_table.h"
#include "supervisor/config/settings.h"

namespace pgbr {

std::span<const SettingSpec> notifySettingSpecs();

// Why the notification settings do not fit together, with the fix; nullopt when they do.
std::optional<std::string> checkNotifySettings(const Settings& settings);

struct NotifyWebhookTarget {
  std::string url;     // without the format prefix
  std::string format;  // "json", "slack" or "discord"
};
// The webhook URLs with their formats resolved, in the order given.
std::vector<NotifyWebhookTarget> notifyWebhookTargets(const NotifySettings& notify);

// "slack+https://hooks.slack.com/services/T/B/X" -> "slack+https://hooks.slack.com/…".
std::string redactWebhookUrl(const std::string& url);

}  // namespace pgbr
