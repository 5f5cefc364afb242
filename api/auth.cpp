#include "api/auth.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>

namespace pgbr::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string cookieAttributes(Seconds max_age) {
  return "; Path=/; SameSite=Strict; Max-Age=" + std::to_string(max_age.count());
}

}  // namespace

bool constantTimeEquals(std::string_view expected, std::string_view given) {
  if (expected.empty()) return false;
  // Walk `given` and wrap around `expected`, so the loop's length is the caller's own input.
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  // An empty `given` against a non-empty `expected` has diff == 1 from the length check.
  return diff == 0;
}

std::string randomHex(size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes))) {
    throw std::runtime_error("cannot read /dev/urandom for a session id");
  }
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string hex;
  hex.reserve(bytes * 2);
  for (char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0x0f]);
  }
  return hex;
}

std::optional<std::string> cookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semicolon = cookie_header.find(';');
    std::string_view pair = trim(cookie_header.substr(0, semicolon));
    cookie_header = semicolon == std::string_view::npos ? std::string_view{}
                                                        : cookie_header.substr(semicolon + 1);
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim(pair.substr(0, equals)) != name) continue;
    std::string_view value = trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::optional<std::string> bearerToken(std::string_view authorization_header) {
  std::string_view header = trim(authorization_header);
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() ||
      !equalsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      (header[kScheme.size()] != ' ' && header[kScheme.size()] != '\t')) {
    return std::nullopt;
  }
  std::string_view token = trim(header.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

Authenticator::Authenticator(AuthOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  if (options_.mode == AuthMode::kToken && options_.token.empty()) {
    throw std::invalid_argument("api token is empty while auth mode is token");
  }
}

std::optional<Error> Authenticator::check(const Credentials& credentials, bool changes_state) {
  if (options_.mode == AuthMode::kNone) return std::nullopt;

  if (!credentials.authorization.empty()) {
    const std::optional<std::string> token = bearerToken(credentials.authorization);
    if (!token) {
      return Error{ErrorCode::kUnauthorized,
                   "the authorization header is not \"Bearer <token>\"; send the api token as "
                   "a bearer token",
                   {}};
    }
    if (!tokenMatches(*token)) {
      return Error{ErrorCode::kUnauthorized,
                   "wrong api token; use the value of PGBR_API_TOKEN (or the token file in the "
                   "state directory)",
                   {}};
    }
    return std::nullopt;
  }

  if (cookieValue(credentials.cookie, kSessionCookie)) {
    const std::optional<Session> session = findSession(credentials.cookie);
    if (!session) {
      return Error{ErrorCode::kUnauthorized,
                   "the session has expired or was signed out; sign in again with the api token",
                   {}};
    }
    if (changes_state && !constantTimeEquals(session->csrf, credentials.csrf)) {
      // Compared with the value stored for the session, which the readable pgbr_csrf cookie
      // holds: only a page of our own origin can read that cookie and echo it.
      return Error{ErrorCode::kCsrfFailed,
                   "missing or wrong X-CSRF-Token header; send the value of the pgbr_csrf cookie "
                   "with every post or delete",
                   {}};
    }
    return std::nullopt;
  }

  return Error{ErrorCode::kUnauthorized,
               "authentication required; send \"Authorization: Bearer <token>\" or sign in with "
               "POST /api/v1/session",
               {}};
}

bool Authenticator::authenticated(const Credentials& credentials) {
  return !check(credentials, false).has_value();
}

bool Authenticator::tokenMatches(std::string_view token) const {
  return options_.mode == AuthMode::kNone || constantTimeEquals(options_.token, token);
}

NewSession Authenticator::createSession() {
  NewSession created{randomHex(32), randomHex(32)};
  const MonoTime now = clock_.monotonic();
  std::lock_guard lock(mutex_);
  dropExpiredLocked(now);
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.created < b.second.created; });
    sessions_.erase(oldest);
  }
  sessions_[created.id] = Session{created.csrf, now, now + options_.session_ttl};
  return created;
}

void Authenticator::endSession(std::string_view cookie_header) {
  const std::optional<std::string> id = cookieValue(cookie_header, kSessionCookie);
  if (!id) return;
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (constantTimeEquals(it->first, *id)) {
      sessions_.erase(it);
      return;
    }
  }
}

std::optional<Authenticator::Session> Authenticator::findSession(std::string_view cookie_header) {
  const std::optional<std::string> id = cookieValue(cookie_header, kSessionCookie);
  if (!id) return std::nullopt;
  const MonoTime now = clock_.monotonic();
  std::lock_guard lock(mutex_);
  dropExpiredLocked(now);
  // A scan with constant-time comparisons instead of a map lookup, whose early exits on the
  // first differing byte would leak how much of a guessed id is right.
  for (const auto& [session_id, session] : sessions_) {
    if (constantTimeEquals(session_id, *id)) return session;
  }
  return std::nullopt;
}

void Authenticator::dropExpiredLocked(MonoTime now) {
  std::erase_if(sessions_, [now](const auto& entry) { return entry.second.expires <= now; });
}

std::string Authenticator::sessionCookie(const NewSession& session) const {
  return std::string(kSessionCookie) + "=" + session.id + cookieAttributes(options_.session_ttl) +
         "; HttpOnly";
}

std::string Authenticator::csrfCookie(const NewSession& session) const {
  return std::string(kCsrfCookie) + "=" + session.csrf + cookieAttributes(options_.session_ttl);
}

std::string Authenticator::clearedSessionCookie() {
  return std::string(kSessionCookie) + "=" + cookieAttributes(Seconds(0)) + "; HttpOnly";
}

std::string Authenticator::clearedCsrfCookie() {
  return std::string(kCsrfCookie) + "=" + cookieAttributes(Seconds(0));
}

size_t Authenticator::sessionCount() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace pgbr::api
