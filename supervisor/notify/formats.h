// What a notification looks like on the wire, per receiver: the generic JSON webhook, Slack (and
// Mattermost, which accepts Slack's incoming-webhook body), Discord, and an e-mail message. Pure
// functions of a Notification, so every format is tested byte for byte without a network.
//
// The generic JSON webhook is signed when a secret is set, the way GitHub signs its webhooks:
//
//   X-Pgbr-Signature-256: sha256=<lowercase hex HMAC-SHA256 of the exact request body, keyed
//                         with PGBR_NOTIFY_WEBHOOK_SECRET>
//   X-Pgbr-Event:         <event, e.g. job-failed>
//   X-Pgbr-Delivery:      <notification id; the same on every retry, so a receiver can drop
//                         duplicates>
//
// A receiver recomputes the HMAC over the raw body it received (before any JSON parsing) and
// compares in constant time. The body carries `time`, so an old body replayed is recognisable.
//
// Policy: Discord refuses a message whose content exceeds 2000 characters or whose embed
// description exceeds 4096, so both are cut (at a UTF-8 character boundary, with "…"); Slack's
// text escapes &, < and > as Slack requires; e-mail header values lose any CR/LF (no header
// injection) and a non-ASCII subject is RFC 2047 encoded.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/notify/notification.h"

namespace pgbr {

enum class WebhookFormat { kJson, kSlack, kDiscord };
std::string_view webhookFormatName(WebhookFormat format);  // "json", "slack", "discord"

// {"id", "event", "condition", "severity", "state", "stanza", "host", "message", "details", "time"}
std::string renderJsonWebhook(const Notification& n);
// {"text": ":red_circle: *CRITICAL* [main on db1] the backup failed ...", "attachments": [...]}
std::string renderSlackWebhook(const Notification& n);
// {"content": ..., "embeds": [{"title", "description", "color", "timestamp"}],
//  "allowed_mentions": {"parse": []}}
std::string renderDiscordWebhook(const Notification& n);
std::string renderWebhookBody(WebhookFormat format, const Notification& n);

// Discord's limits, in characters (Unicode code points).
inline constexpr size_t kDiscordContentMax = 2000;
inline constexpr size_t kDiscordDescriptionMax = 4096;

// The first line of every channel: "[pgbr main] CRITICAL: the backup failed" (resolved:
// "[pgbr main] RESOLVED: ..."; test: "[pgbr main] TEST: ...").
std::string notificationTitle(const Notification& n);

// Lowercase hex HMAC-SHA256 of `body` keyed with `secret`.
std::string hmacSha256Hex(std::string_view secret, std::string_view body);
// The X-Pgbr-* headers above; the signature only when `secret` is not empty.
std::vector<std::pair<std::string, std::string>> webhookHeaders(const Notification& n,
                                                                std::string_view body,
                                                                std::string_view secret);

// An RFC 5322 message, CRLF line endings, text/plain UTF-8 body, ready for SMTP DATA.
std::string renderMailMessage(const Notification& n, std::string_view from,
                              const std::vector<std::string>& to);

// `text` cut to at most `max` code points, ending in "…" when it was cut.
std::string truncateUtf8(std::string_view text, size_t max);

}  // namespace pgbr
