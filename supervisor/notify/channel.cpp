// What every channel shares: redaction of URLs and secrets, the retry rule (channel.h).
#include "supervisor/notify/channel.h"

namespace pgbr {

std::string redactUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "…";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  // user:password@ before the host is a secret too.
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  return std::string(url.substr(0, scheme_end)) + "://" + std::string(rest) + "/…";
}

std::string scrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "…");
  }
  return text;
}

bool isRetryableHttpStatus(long status) {
  if (status == 408 || status == 429) return true;
  // Redirects are not followed (the body would go elsewhere): the URL needs fixing, like a 4xx.
  return status < 300 || status >= 500;
}

std::string bareAddress(std::string_view address) {
  const size_t open = address.rfind('<');
  const size_t close = address.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    return std::string(address.substr(open + 1, close - open - 1));
  while (!address.empty() && address.front() == ' ') address.remove_prefix(1);
  while (!address.empty() && address.back() == ' ') address.remove_suffix(1);
  return std::string(address);
}

}  // namespace pgbr
