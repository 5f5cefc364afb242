// Notification settings (notify_settings.h).
#include "supervisor/config/notify_settings.h"

#include <array>

#include "supervisor/config/setting_values.h"

namespace pgbr {

namespace {

using setting_values::quotedText;
using setting_values::Reason;

constexpr std::array<std::string_view, 3> kFormats = {"json", "slack", "discord"};

bool isFormat(std::string_view text) {
  for (auto f : kFormats)
    if (f == text) return true;
  return false;
}

// Words separated by commas and/or spaces; empty pieces are skipped.
std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// {prefix, rest}: "slack+https://x" -> {"slack", "https://x"}; no known prefix: {"", url}.
std::pair<std::string, std::string> splitFormat(const std::string& url) {
  const size_t plus = url.find('+');
  const size_t scheme = url.find("://");
  if (plus != std::string::npos && scheme != std::string::npos && plus < scheme) {
    return {url.substr(0, plus), url.substr(plus + 1)};
  }
  return {"", url};
}

// The host part of `scheme://host[:port]/...`, "" when there is none.
std::string hostOf(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const std::string rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// Never quotes the URL: it is a secret.
Reason applyWebhookUrls(Settings& s, const std::string& value) {
  const std::vector<std::string> urls = splitList(value);
  for (size_t i = 0; i < urls.size(); ++i) {
    const std::string which = "webhook URL " + std::to_string(i + 1);
    const auto [format, url] = splitFormat(urls[i]);
    if (!format.empty() && !isFormat(format))
      return which + " has an unknown format prefix " + quotedText(format) +
             "; use json+, slack+ or discord+ before https://";
    const std::string scheme = url.substr(0, url.find("://"));
    if (url.find("://") == std::string::npos || (scheme != "https" && scheme != "http"))
      return which +
             " does not start with https:// or http://; give the full URL the service "
             "handed out";
    const std::string host = hostOf(url);
    if (host.empty() || host.find('@') != std::string::npos)
      return which +
             " has no host (or has user:password@ before it); give the URL as "
             "https://host/path";
  }
  s.notify.webhook_urls = urls;
  return std::nullopt;
}

Reason applyWebhookFormat(Settings& s, const std::string& value) {
  if (!isFormat(value))
    return quotedText(value) + " is not a webhook format; set json, slack or discord";
  s.notify.webhook_format = value;
  return std::nullopt;
}

Reason applySmtpUrl(Settings& s, const std::string& value) {
  const size_t scheme_end = value.find("://");
  const std::string scheme = value.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "smtp" && scheme != "smtps"))
    return quotedText(value) +
           " is not an smtp:// or smtps:// URL; set smtp://host:587 (STARTTLS) "
           "or smtps://host:465 (TLS)";
  const std::string host = hostOf(value);
  if (host.find('@') != std::string::npos)
    return "the SMTP URL holds a user or password; set them in PGBR_NOTIFY_SMTP_USER and "
           "PGBR_NOTIFY_SMTP_PASSWORD instead";
  if (host.empty())
    return quotedText(value) + " has no host; set smtp://host:587 or smtps://host:465";
  s.notify.smtp_url = value;
  return std::nullopt;
}

Reason checkAddress(const std::string& address) {
  const size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find_first_of("\r\n") != std::string::npos)
    return quotedText(address) + " is not an e-mail address; set name@example.com";
  return std::nullopt;
}

Reason applyEmailFrom(Settings& s, const std::string& value) {
  // "Name <address>" or a bare address.
  const size_t open = value.rfind('<');
  const std::string address =
      open == std::string::npos ? value : value.substr(open + 1, value.rfind('>') - open - 1);
  if (auto reason = checkAddress(address)) return reason;
  s.notify.email_from = value;
  return std::nullopt;
}

Reason applyEmailTo(Settings& s, const std::string& value) {
  std::vector<std::string> to;
  for (const std::string& address : splitList(value)) {
    if (auto reason = checkAddress(address)) return reason;
    to.push_back(address);
  }
  if (to.empty()) return quotedText(value) + " names no address; set name@example.com";
  s.notify.email_to = std::move(to);
  return std::nullopt;
}

Reason applyEvents(Settings& s, const std::string& value) {
  bool failures = false, alerts = false, success = false;
  for (const std::string& word : splitList(value)) {
    if (word == "failures")
      failures = true;
    else if (word == "alerts")
      alerts = true;
    else if (word == "success")
      success = true;
    else if (word == "all")
      failures = alerts = success = true;
    else if (word != "none")
      return quotedText(word) +
             " is not a kind of event; list failures, alerts and success (or "
             "all, or none)";
  }
  s.notify.events_failures = failures;
  s.notify.events_alerts = alerts;
  s.notify.events_success = success;
  return std::nullopt;
}

std::string showEvents(const Settings& s) {
  std::vector<std::string> words;
  if (s.notify.events_failures) words.emplace_back("failures");
  if (s.notify.events_alerts) words.emplace_back("alerts");
  if (s.notify.events_success) words.emplace_back("success");
  return words.empty() ? "none" : joined(words);
}

Reason wholeInto(const std::string& v, long long low, long long high, const char* unit, int* out) {
  long long value = 0;
  if (auto reason = setting_values::parseWhole(v, low, high, unit, &value)) return reason;
  *out = static_cast<int>(value);
  return std::nullopt;
}

constexpr auto kNotifySpecs = std::to_array<SettingSpec>({
    {.env = "PGBR_NOTIFY_WEBHOOK_URLS",
     .file_env = "PGBR_NOTIFY_WEBHOOK_URLS_FILE",
     .file_flag = "--notify-webhook-urls-file",
     .metavar = "URLS",
     .help = "webhooks that receive alerts, separated by commas or spaces; each may be prefixed "
             "with its format (slack+https://..., discord+https://..., json+https://...). secret: "
             "shown as scheme://host/… only",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = applyWebhookUrls,
     .show = [](const Settings& s) { return joined(s.notify.webhook_urls); }},
    {.env = "PGBR_NOTIFY_WEBHOOK_FORMAT",
     .flag = "--notify-webhook-format",
     .metavar = "json|slack|discord",
     .help = "body of webhook URLs without a format prefix: json (signed when a secret is set), "
             "slack (also mattermost) or discord",
     .apply = applyWebhookFormat,
     .show = [](const Settings& s) { return s.notify.webhook_format; }},
    {.env = "PGBR_NOTIFY_WEBHOOK_SECRET",
     .file_env = "PGBR_NOTIFY_WEBHOOK_SECRET_FILE",
     .file_flag = "--notify-webhook-secret-file",
     .metavar = "SECRET",
     .help = "key of the HMAC-SHA256 signature of json webhook bodies (header "
             "X-Pgbr-Signature-256: sha256=<hex>)",
     .default_text = "none: json webhooks are not signed",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.notify.webhook_secret = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.notify.webhook_secret; }},
    {.env = "PGBR_NOTIFY_SMTP_URL",
     .flag = "--notify-smtp-url",
     .metavar = "URL",
     .help = "mail server for e-mail alerts: smtp://host:587 (STARTTLS required) or "
             "smtps://host:465 (TLS)",
     .default_text = "none: no e-mail",
     .empty = EmptyValue::kUnset,
     .apply = applySmtpUrl,
     .show = [](const Settings& s) { return s.notify.smtp_url; }},
    {.env = "PGBR_NOTIFY_SMTP_USER",
     .flag = "--notify-smtp-user",
     .metavar = "NAME",
     .help = "user the mail server is logged in to as",
     .default_text = "none: no login",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.notify.smtp_user = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.notify.smtp_user; }},
    {.env = "PGBR_NOTIFY_SMTP_PASSWORD",
     .file_env = "PGBR_NOTIFY_SMTP_PASSWORD_FILE",
     .file_flag = "--notify-smtp-password-file",
     .metavar = "PASSWORD",
     .help = "password of PGBR_NOTIFY_SMTP_USER",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.notify.smtp_password = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.notify.smtp_password; }},
    {.env = "PGBR_NOTIFY_EMAIL_FROM",
     .flag = "--notify-email-from",
     .metavar = "ADDRESS",
     .help = "sender of e-mail alerts: name@example.com or \"Name <name@example.com>\"",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .apply = applyEmailFrom,
     .show = [](const Settings& s) { return s.notify.email_from; }},
    {.env = "PGBR_NOTIFY_EMAIL_TO",
     .flag = "--notify-email-to",
     .metavar = "ADDRESSES",
     .help = "recipients of e-mail alerts, separated by commas or spaces",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .apply = applyEmailTo,
     .show = [](const Settings& s) { return joined(s.notify.email_to); }},
    {.env = "PGBR_NOTIFY_CA_FILE",
     .flag = "--notify-ca-file",
     .metavar = "FILE",
     .help = "CA certificates (PEM) that replace the system's for webhooks and the mail server "
             "(private endpoints); TLS is always verified",
     .default_text = "the system's CA store",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       if (auto reason = setting_values::checkAbsolute(v)) return reason;
       s.notify.ca_file = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.notify.ca_file; }},
    {.env = "PGBR_NOTIFY_EVENTS",
     .flag = "--notify-events",
     .metavar = "KINDS",
     .help = "what is notified, separated by commas: failures (a job failed), alerts (archiving "
             "stuck, wal backlog, overdue schedules, postgres restarts, repository status), "
             "success (a job succeeded); all, or none",
     .apply = applyEvents,
     .show = showEvents},
    {.env = "PGBR_NOTIFY_RETRY_HOURS",
     .flag = "--notify-retry-hours",
     .metavar = "HOURS",
     .help = "an undelivered notification is retried with backoff for this long, across "
             "restarts, then given up",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       long long hours = 0;
       if (auto reason = setting_values::parseWhole(v, 1, 720, " of hours", &hours)) return reason;
       s.notify.retry_hours = static_cast<int>(hours);
       return std::nullopt;
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.retry_hours); }},
    {.env = "PGBR_NOTIFY_ARCHIVE_STUCK_S",
     .flag = "--notify-archive-stuck-s",
     .metavar = "SECONDS",
     .help = "alert \"archiving stuck\" when the oldest WAL segment waiting in "
             "pg_wal/archive_status is older than this (archive_timeout is 60 s)",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       return wholeInto(v, 30, 86400, " of seconds", &s.notify.archive_stuck_s);
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.archive_stuck_s); }},
    {.env = "PGBR_NOTIFY_WAL_MIN_FREE_PCT",
     .flag = "--notify-wal-min-free-pct",
     .metavar = "PERCENT",
     .help = "WAL backlog guard: alert when the file system holding pg_wal has less free space "
             "than this (percent of its size)",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       return wholeInto(v, 1, 90, " percent", &s.notify.wal_min_free_pct);
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.wal_min_free_pct); }},
    {.env = "PGBR_NOTIFY_WAL_FILL_MINUTES",
     .flag = "--notify-wal-fill-minutes",
     .metavar = "MINUTES",
     .help = "WAL backlog guard: alert when, while WAL waits to be archived, the file system "
             "holding pg_wal would be full within this many minutes at the rate it fills",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       return wholeInto(v, 1, 10080, " of minutes", &s.notify.wal_fill_minutes);
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.wal_fill_minutes); }},
    {.env = "PGBR_NOTIFY_OVERDUE_MINUTES",
     .flag = "--notify-overdue-minutes",
     .metavar = "MINUTES",
     .help = "alert that a schedule (backups, dump, drill) is overdue when this long after a "
             "scheduled run's time no run of it has succeeded",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       return wholeInto(v, 1, 10080, " of minutes", &s.notify.overdue_minutes);
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.overdue_minutes); }},
    {.env = "PGBR_NOTIFY_STANDBY_S",
     .flag = "--notify-standby-s",
     .metavar = "SECONDS",
     .help = "a standby (PGBR_STANDBY_PRIMARY): alert when it has not streamed from its primary "
             "for this long (it then replays only what reaches the archive)",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       return wholeInto(v, 10, 86400, " of seconds", &s.notify.standby_s);
     },
     .show = [](const Settings& s) { return std::to_string(s.notify.standby_s); }},
});

}  // namespace

std::span<const SettingSpec> notifySettingSpecs() {
  return kNotifySpecs;
}

std::vector<NotifyWebhookTarget> notifyWebhookTargets(const NotifySettings& notify) {
  std::vector<NotifyWebhookTarget> out;
  for (const std::string& given : notify.webhook_urls) {
    auto [format, url] = splitFormat(given);
    out.push_back({url, format.empty() ? notify.webhook_format : format});
  }
  return out;
}

std::string redactWebhookUrl(const std::string& given) {
  const auto [format, url] = splitFormat(given);
  const size_t scheme = url.find("://");
  std::string host = hostOf(url);
  host = host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1);
  const std::string prefix = format.empty() ? "" : format + "+";
  if (scheme == std::string::npos) return prefix + "…";
  return prefix + url.substr(0, scheme) + "://" + host + "/…";
}

std::optional<std::string> checkNotifySettings(const Settings& settings) {
  const NotifySettings& n = settings.notify;
  const bool url = !n.smtp_url.empty(), from = !n.email_from.empty(), to = !n.email_to.empty();
  if ((url || from || to) && !(url && from && to)) {
    std::string missing;
    if (!url) missing += " PGBR_NOTIFY_SMTP_URL";
    if (!from) missing += " PGBR_NOTIFY_EMAIL_FROM";
    if (!to) missing += " PGBR_NOTIFY_EMAIL_TO";
    return "e-mail alerts need PGBR_NOTIFY_SMTP_URL, PGBR_NOTIFY_EMAIL_FROM and "
           "PGBR_NOTIFY_EMAIL_TO together; set" +
           missing + " (or unset the others)";
  }
  if (n.smtp_user.empty() != n.smtp_password.empty())
    return "PGBR_NOTIFY_SMTP_USER and PGBR_NOTIFY_SMTP_PASSWORD go together; set both, or "
           "neither for a server without login";
  if (!n.smtp_user.empty() && !url)
    return "PGBR_NOTIFY_SMTP_USER is set without PGBR_NOTIFY_SMTP_URL; set the mail server";
  return std::nullopt;
}

}  // namespace pgbr
