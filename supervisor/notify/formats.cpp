// Webhook bodies, signatures and e-mail messages (formats.h).
#include "supervisor/notify/formats.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <ctime>

#include "supervisor/common/json_text.h"
#include "supervisor/common/time_format.h"

namespace pgbr {

namespace {

using nlohmann::json;

// Titles and subjects stay readable in a mail client's list and a phone's lock screen.
constexpr size_t kTitleMessageMax = 150;
constexpr size_t kDiscordTitleMax = 256;
// RFC 5322 allows 998 octets per line; plain-text lines are broken well before.
constexpr size_t kMailLineMax = 900;

bool isContinuationByte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string firstLine(std::string_view text) {
  return std::string(text.substr(0, text.find_first_of("\r\n")));
}

std::string stateWord(const Notification& n) {
  switch (n.state) {
    case AlertState::kResolved:
      return "RESOLVED";
    case AlertState::kTest:
      return "TEST";
    case AlertState::kFiring:
      break;
  }
  return upper(severityName(n.severity));
}

std::string slackEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

std::string_view slackEmoji(const Notification& n) {
  if (n.state == AlertState::kResolved) return ":white_check_mark:";
  if (n.state == AlertState::kTest) return ":large_blue_circle:";
  switch (n.severity) {
    case Severity::kCritical:
      return ":red_circle:";
    case Severity::kWarning:
      return ":warning:";
    case Severity::kInfo:
      break;
  }
  return ":information_source:";
}

int colour(const Notification& n) {
  if (n.state == AlertState::kResolved) return 0x2E7D32;  // green
  if (n.state == AlertState::kTest) return 0x1565C0;      // blue
  switch (n.severity) {
    case Severity::kCritical:
      return 0xC62828;
    case Severity::kWarning:
      return 0xEF6C00;
    case Severity::kInfo:
      break;
  }
  return 0x546E7A;
}

std::string hexColour(int rgb) {
  char text[8];
  std::snprintf(text, sizeof text, "#%06X", rgb);
  return text;
}

std::string originLine(const Notification& n) {
  std::string line = "host " + (n.host.empty() ? std::string("?") : n.host);
  if (!n.condition.empty()) line += " · condition " + n.condition;
  line += " · " + formatRfc3339(n.time);
  return line;
}

bool hasDetails(const Notification& n) {
  return n.details.is_object() && !n.details.empty();
}

std::string detailValue(const json& value) {
  return value.is_string() ? value.get<std::string>() : dumpJson(value);
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool isAscii(std::string_view text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}

std::string headerValue(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// RFC 2047: encoded words of at most 75 characters, never splitting a UTF-8 character.
std::string encodeHeaderWord(std::string_view text) {
  if (isAscii(text)) return std::string(text);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 45);  // 45 bytes -> 60 base64 characters
    while (end < text.size() && end > start &&
           isContinuationByte(static_cast<unsigned char>(text[end])))
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string mailDate(WallTime t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[static_cast<size_t>(utc.tm_wday)], utc.tm_mday,
                kMonths[static_cast<size_t>(utc.tm_mon)], utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return text;
}

std::string messageIdDomain(std::string_view host) {
  std::string out;
  for (char c : host)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-')
      out += c;
  return out.empty() ? "pgbr.invalid" : out;
}

// Plain-text body lines, CRLF-terminated, none longer than kMailLineMax bytes.
std::string crlfLines(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (line.size() > kMailLineMax) {
      size_t cut = kMailLineMax;
      while (cut > 0 && isContinuationByte(static_cast<unsigned char>(line[cut]))) --cut;
      out.append(line.substr(0, cut)).append("\r\n");
      line.remove_prefix(cut);
    }
    out.append(line).append("\r\n");
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string_view webhookFormatName(WebhookFormat format) {
  switch (format) {
    case WebhookFormat::kSlack:
      return "slack";
    case WebhookFormat::kDiscord:
      return "discord";
    case WebhookFormat::kJson:
      break;
  }
  return "json";
}

std::string truncateUtf8(std::string_view text, size_t max) {
  if (max == 0) return {};
  size_t points = 0;
  size_t i = 0;
  size_t cut_at = std::string_view::npos;  // where to cut to leave room for "…"
  for (; i < text.size(); ++i) {
    if (isContinuationByte(static_cast<unsigned char>(text[i]))) continue;
    if (points == max - 1) cut_at = i;
    if (points == max) return std::string(text.substr(0, cut_at)) + "…";
    ++points;
  }
  return std::string(text);
}

// A first line too long for a title is cut where its first clause ends (": " or ". " outside
// parentheses: "The full backup failed (job …): <pgBackRest's error>" gives "The full backup
// failed (job …)"), else at the limit.
std::string headline(const std::string& line) {
  if (line.size() <= kTitleMessageMax) return line;
  int depth = 0;
  for (size_t i = 0; i + 1 < line.size() && i <= kTitleMessageMax; ++i) {
    if (line[i] == '(') ++depth;
    if (line[i] == ')' && depth > 0) --depth;
    if (depth == 0 && (line[i] == ':' || line[i] == '.') && line[i + 1] == ' ' && i > 0)
      return line.substr(0, i);
  }
  return truncateUtf8(line, kTitleMessageMax);
}

std::string notificationTitle(const Notification& n) {
  const std::string tag = n.stanza.empty() ? "[pgbr]" : "[pgbr " + n.stanza + "]";
  return tag + " " + stateWord(n) + ": " + headline(firstLine(n.message));
}

std::string renderJsonWebhook(const Notification& n) {
  json body = toJson(n);
  body["time"] = formatRfc3339(n.time);
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string renderSlackWebhook(const Notification& n) {
  std::string text = std::string(slackEmoji(n)) + " *" + slackEscape(notificationTitle(n)) + "*";
  if (n.message.size() > firstLine(n.message).size() ||
      firstLine(n.message).size() > kTitleMessageMax)
    text += "\n" + slackEscape(n.message);
  text += "\n_" + slackEscape(originLine(n)) + "_";
  json body = {{"text", text}};
  if (hasDetails(n)) {
    json fields = json::array();
    for (const auto& [key, value] : n.details.items())
      fields.push_back(
          {{"title", key}, {"value", slackEscape(detailValue(value))}, {"short", true}});
    body["attachments"] = json::array({{{"color", hexColour(colour(n))},
                                        {"fallback", slackEscape(notificationTitle(n))},
                                        {"fields", fields}}});
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string renderDiscordWebhook(const Notification& n) {
  std::string description = n.message;
  if (hasDetails(n)) description += "\n```json\n" + dumpJson(n.details, 2) + "\n```";
  description += "\n" + originLine(n);
  json embed = {{"title", truncateUtf8(notificationTitle(n), kDiscordTitleMax)},
                {"description", truncateUtf8(description, kDiscordDescriptionMax)},
                {"color", colour(n)},
                {"timestamp", formatRfc3339(n.time)}};
  // No @everyone or role pings from text that reached a message (a job's error output).
  json body = {{"content", truncateUtf8(notificationTitle(n), kDiscordContentMax)},
               {"embeds", json::array({embed})},
               {"allowed_mentions", {{"parse", json::array()}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string renderWebhookBody(WebhookFormat format, const Notification& n) {
  switch (format) {
    case WebhookFormat::kSlack:
      return renderSlackWebhook(n);
    case WebhookFormat::kDiscord:
      return renderDiscordWebhook(n);
    case WebhookFormat::kJson:
      break;
  }
  return renderJsonWebhook(n);
}

std::string hmacSha256Hex(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0F];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> webhookHeaders(const Notification& n,
                                                                std::string_view body,
                                                                std::string_view secret) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                              {"User-Agent", "pgbr-supervisor"},
                                                              {"X-Pgbr-Event", n.event},
                                                              {"X-Pgbr-Delivery", n.id}};
  if (!secret.empty())
    headers.emplace_back("X-Pgbr-Signature-256", "sha256=" + hmacSha256Hex(secret, body));
  return headers;
}

std::string renderMailMessage(const Notification& n, std::string_view from,
                              const std::vector<std::string>& to) {
  std::string recipients;
  for (const auto& address : to) recipients += (recipients.empty() ? "" : ", ") + address;
  std::string text = n.message + "\n\n";
  text += "State: " + std::string(alertStateName(n.state)) + "\n";
  text += "Severity: " + std::string(severityName(n.severity)) + "\n";
  if (!n.stanza.empty()) text += "Stanza: " + n.stanza + "\n";
  if (!n.host.empty()) text += "Host: " + n.host + "\n";
  if (!n.condition.empty()) text += "Condition: " + n.condition + "\n";
  text += "Time: " + formatRfc3339(n.time) + "\n";
  text += "Notification: " + n.id + "\n";
  if (hasDetails(n))
    text += "\nDetails:\n" + n.details.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  text += "\n-- \nSent by pgbr-supervisor.\n";

  std::string message;
  message += "From: " + headerValue(from) + "\r\n";
  message += "To: " + headerValue(recipients) + "\r\n";
  message += "Subject: " + encodeHeaderWord(headerValue(notificationTitle(n))) + "\r\n";
  message += "Date: " + mailDate(n.time) + "\r\n";
  message += "Message-ID: <" + headerValue(n.id) + "@" + messageIdDomain(n.host) + ">\r\n";
  message += "MIME-Version: 1.0\r\n";
  // RFC 3834: tells auto-responders (vacation replies) not to answer.
  message += "Auto-Submitted: auto-generated\r\n";
  message += "X-Pgbr-Event: " + headerValue(n.event) + "\r\n";
  message += "Content-Type: text/plain; charset=UTF-8\r\n";
  if (isAscii(text)) {
    message += "Content-Transfer-Encoding: 7bit\r\n\r\n" + crlfLines(text);
  } else {
    // Base64 needs no 8BITMIME support from the server on the way.
    message += "Content-Transfer-Encoding: base64\r\n\r\n";
    const std::string encoded = base64(text);
    for (size_t i = 0; i < encoded.size(); i += 76) message += encoded.substr(i, 76) + "\r\n";
  }
  return message;
}

}  // namespace pgbr
