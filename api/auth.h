// Who may call the API. Two ways in, one token behind both:
// - `Authorization: Bearer <token>` on any request (scripts, curl);
// - a cookie session for the dashboard: `POST /api/v1/session {"token"}` checks the token once and
//   sets `pgbr_session` (HttpOnly, SameSite=Strict, Path=/) holding an opaque random id that maps
//   server-side to an expiry, never the token itself, plus the readable `pgbr_csrf` cookie. A
//   cookie-authenticated POST or DELETE must echo the csrf value in `X-CSRF-Token`: SameSite keeps
//   other sites' requests from carrying the cookie, and the echo protects browsers that ignore it.
//
// Policy: every secret comparison runs in time that does not depend on the secret (neither its
// bytes nor its length); random values come from the kernel (/dev/urandom); no token, session id
// or csrf value is ever logged. With AuthMode::kNone everything is allowed (the supervisor warns
// at start). A request carrying an Authorization header is judged by it alone, so a wrong token
// is refused even when a valid cookie rides along.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/clock.h"
#include "supervisor/common/errors.h"
#include "supervisor/config/settings.h"

namespace pgbr::api {

inline constexpr std::string_view kSessionCookie = "pgbr_session";
inline constexpr std::string_view kCsrfCookie = "pgbr_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// True when both are equal. Runs over `given` only, so the time reveals neither the bytes nor the
// length of `expected`. An empty `expected` never matches.
bool constantTimeEquals(std::string_view expected, std::string_view given);

// `bytes` random bytes from the kernel as lowercase hex. Throws std::runtime_error when the
// kernel's source cannot be read (nothing sensible can go on without it).
std::string randomHex(size_t bytes);

// The value of cookie `name` in a Cookie header ("a=1; pgbr_session=abc"), if present.
std::optional<std::string> cookieValue(std::string_view cookie_header, std::string_view name);

// The token of "Bearer <token>" (scheme case-insensitive), nullopt for any other shape.
std::optional<std::string> bearerToken(std::string_view authorization_header);

// What one request presents; empty views for absent headers.
struct Credentials {
  std::string_view authorization;  // Authorization header
  std::string_view cookie;         // Cookie header
  std::string_view csrf;           // X-CSRF-Token header
};

struct NewSession {
  std::string id;    // pgbr_session cookie value
  std::string csrf;  // pgbr_csrf cookie value
};

struct AuthOptions {
  AuthMode mode = AuthMode::kToken;
  std::string token;                             // required (non-empty) in kToken mode
  Seconds session_ttl = std::chrono::hours(12);  // absolute: a session does not slide
  size_t max_sessions = 256;                     // beyond this the oldest session is dropped
};

class Authenticator {
 public:
  // Throws std::invalid_argument in kToken mode without a token: an empty token would either
  // lock everyone out or, worse, match an empty header.
  Authenticator(AuthOptions options, const Clock& clock);

  AuthMode mode() const { return options_.mode; }

  // nullopt when the request may proceed; otherwise the kUnauthorized error to answer with.
  // `changes_state` (POST, DELETE) makes a cookie-authenticated request need the csrf echo.
  std::optional<Error> check(const Credentials& credentials, bool changes_state);

  // True for a valid bearer token or live session (always true in kNone mode).
  bool authenticated(const Credentials& credentials);

  bool tokenMatches(std::string_view token) const;
  NewSession createSession();
  // Forgets the session named by the Cookie header, if any.
  void endSession(std::string_view cookie_header);

  // The Set-Cookie values for a new session and for clearing both cookies.
  std::string sessionCookie(const NewSession& session) const;
  std::string csrfCookie(const NewSession& session) const;
  static std::string clearedSessionCookie();
  static std::string clearedCsrfCookie();

  size_t sessionCount();

 private:
  struct Session {
    std::string csrf;
    MonoTime created;
    MonoTime expires;
  };
  // The live session the Cookie header names, removing it when expired.
  std::optional<Session> findSession(std::string_view cookie_header);
  void dropExpiredLocked(MonoTime now);

  AuthOptions options_;
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by session id
};

}  // namespace pgbr::api
