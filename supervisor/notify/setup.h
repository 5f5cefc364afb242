// From the PGBR_NOTIFY_* settings (config/notify_settings.h) to the notify objects: the channels,
// the outbox's retry window, the folder on disk, and which kinds of notification are wanted. The
// Supervisor calls these once at start-up; tests pass fake transports.
//
// Policy: channels are named "webhook-1", "webhook-2", ... in the order of
// PGBR_NOTIFY_WEBHOOK_URLS, and "email"; those names label pgbr_notifications_total and the
// delivery listing, and a delivery queued before a restart finds its channel again by name. A
// webhook request is given up after kWebhookTimeoutSeconds, a mail after kMailTimeoutSeconds, which
// also bounds Dispatcher::sendTestNow().
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "supervisor/config/settings.h"
#include "supervisor/notify/channel.h"
#include "supervisor/notify/outbox.h"

namespace pgbr {

inline constexpr long kWebhookTimeoutSeconds = 20;
inline constexpr long kMailTimeoutSeconds = 30;

// Null transports are replaced by the libcurl ones, which abort when `cancel` is set (pass the
// same flag as DispatcherOptions::cancel).
std::vector<std::unique_ptr<Channel>> makeChannels(const NotifySettings& settings,
                                                   std::shared_ptr<HttpTransport> http = nullptr,
                                                   std::shared_ptr<MailTransport> mail = nullptr,
                                                   CancelFlag cancel = nullptr);

OutboxOptions outboxOptions(const NotifySettings& settings);

// <state directory>/notify: the outbox and the alert state.
std::filesystem::path notifyFolder(const Settings& settings);

enum class NotifyKind {
  kFailure,  // a job failed
  kAlert,    // a condition: archiving stuck, WAL backlog, overdue schedule, restarts, repository
  kSuccess,  // a job succeeded
};
bool isWanted(const NotifySettings& settings, NotifyKind kind);

}  // namespace pgbr
