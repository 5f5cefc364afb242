// Authentication: the helpers, the route matrix (every protected route refuses a missing or wrong
// token, every open route stays open), the cookie session with its CSRF echo, and auth "none".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/auth.h"
#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A concrete URL for a route template.
std::string concrete(std::string path) {
  for (const auto& [param, value] :
       {std::pair{"{label}", "latest"}, {"{id}", "job-1"}, {"{name}", "postgres"}}) {
    if (const size_t at = path.find(param); at != std::string::npos) {
      path.replace(at, std::string(param).size(), value);
    }
  }
  return path;
}

TEST(ConstantTimeEquals, MatchesOnlyTheSameBytesAndLength) {
  EXPECT_TRUE(api::constantTimeEquals("secret", "secret"));
  EXPECT_FALSE(api::constantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(api::constantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(api::constantTimeEquals("secret", "secre"));
  EXPECT_FALSE(api::constantTimeEquals("secret", ""));
  // A repetition of the secret must not match because the walk wraps around it.
  EXPECT_FALSE(api::constantTimeEquals("ab", "abab"));
  EXPECT_FALSE(api::constantTimeEquals("", ""));
}

TEST(RandomHex, IsHexOfTheRightLengthAndDiffers) {
  const std::string a = api::randomHex(32);
  const std::string b = api::randomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(api::cookieValue("a=1; pgbr_session=abc; pgbr_csrf=def", "pgbr_session"), "abc");
  EXPECT_EQ(api::cookieValue("pgbr_csrf=def", "pgbr_csrf"), "def");
  EXPECT_EQ(api::cookieValue("x_pgbr_session=abc", "pgbr_session"), std::nullopt);
  EXPECT_EQ(api::cookieValue("pgbr_session=\"q\"", "pgbr_session"), "q");
  EXPECT_EQ(api::cookieValue("", "pgbr_session"), std::nullopt);
  EXPECT_EQ(api::cookieValue("garbage;;=;", "pgbr_session"), std::nullopt);
}

TEST(BearerToken, ParsesTheSchemeCaseInsensitively) {
  EXPECT_EQ(api::bearerToken("Bearer abc"), "abc");
  EXPECT_EQ(api::bearerToken("bearer   abc "), "abc");
  EXPECT_EQ(api::bearerToken("Basic abc"), std::nullopt);
  EXPECT_EQ(api::bearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(api::bearerToken("Bearerabc"), std::nullopt);
}

TEST(Authenticator, SessionsExpireAndAreCapped) {
  FakeClock clock;
  api::Authenticator auth({AuthMode::kToken, "tok", std::chrono::hours(1), 2}, clock);
  const api::NewSession first = auth.createSession();
  const std::string cookie = "pgbr_session=" + first.id;
  EXPECT_FALSE(auth.check({{}, cookie, {}}, false).has_value());
  clock.advance(std::chrono::minutes(61));
  EXPECT_TRUE(auth.check({{}, cookie, {}}, false).has_value());

  const api::NewSession a = auth.createSession();
  clock.advance(Millis(1));
  const api::NewSession b = auth.createSession();
  clock.advance(Millis(1));
  const api::NewSession c = auth.createSession();
  EXPECT_EQ(auth.sessionCount(), 2u);
  EXPECT_TRUE(auth.check({{}, "pgbr_session=" + a.id, {}}, false).has_value());  // oldest dropped
  EXPECT_FALSE(auth.check({{}, "pgbr_session=" + c.id, {}}, false).has_value());
}

class AuthTest : public ApiTest {};

TEST_F(AuthTest, EveryProtectedRouteRefusesMissingAndWrongTokens) {
  startServer();
  int protected_routes = 0;
  for (const ApiRoute& route : server_->routes()) {
    if (route.open) continue;
    ++protected_routes;
    const std::string path = concrete(route.path);
    for (const httplib::Headers& headers :
         {httplib::Headers{}, bearer("wrong-token"), bearer(std::string(kToken) + "x"),
          httplib::Headers{{"Authorization", "Basic Zm9vOmJhcg=="}},
          httplib::Headers{{"Cookie", "pgbr_session=forged"}}}) {
      auto r = send(route.method, path, headers);
      ASSERT_TRUE(r) << route.method << " " << path;
      EXPECT_EQ(r->status, 401) << route.method << " " << path;
      EXPECT_EQ(r->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
      EXPECT_EQ(jsonOf(r)["error"]["code"], "unauthorized");
    }
  }
  EXPECT_GT(protected_routes, 20);
  // Nothing reached the service.
  EXPECT_EQ(service_.jobStarts(), 0);
  EXPECT_EQ(service_.calls("processAction"), 0);
  EXPECT_EQ(service_.calls("cancelJob"), 0);
  EXPECT_EQ(service_.calls("status"), 0);
  EXPECT_EQ(service_.calls("backups"), 0);
  EXPECT_EQ(service_.calls("log"), 0);
}

TEST_F(AuthTest, OpenRoutesNeedNoToken) {
  startServer();
  std::vector<std::string> open;
  for (const ApiRoute& route : server_->routes()) {
    if (!route.open) continue;
    open.push_back(route.method + " " + route.path);
    auto r = route.method == "POST" ? post(route.path, R"({"token":"nope"})", {})
                                    : send(route.method, route.path, {});
    ASSERT_TRUE(r) << route.path;
    if (route.method == "POST") {
      EXPECT_EQ(r->status, 401) << "sign-in with a wrong token";  // reached the handler
    } else {
      EXPECT_NE(r->status, 401) << route.method << " " << route.path;
    }
  }
  EXPECT_THAT(open,
              ::testing::IsSupersetOf({"GET /healthz", "GET /readyz", "GET /metrics",
                                       "GET /api/v1/openapi.json", "POST /api/v1/session",
                                       "GET /api/v1/session", "DELETE /api/v1/session", "GET /"}));
}

TEST_F(AuthTest, BearerTokenOpensProtectedRoutes) {
  startServer();
  auto r = get("/api/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Bearer requests need no CSRF header, even when they change state.
  r = post("/api/v1/backups", R"({"type":"full"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
}

struct SignedIn {
  std::string session;
  std::string csrf;
};

TEST_F(AuthTest, CookieSessionWithCsrf) {
  startServer();
  // Wrong token: 401 and no cookies.
  auto r = post("/api/v1/session", R"({"token":"guess"})", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(r->has_header("Set-Cookie"));

  r = post("/api/v1/session", json{{"token", kToken}}.dump(), {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(jsonOf(r), (json{{"authenticated", true}, {"auth", "token"}}));
  ASSERT_EQ(r->get_header_value_count("Set-Cookie"), 2u);
  SignedIn in;
  for (size_t i = 0; i < 2; ++i) {
    const std::string cookie = r->get_header_value("Set-Cookie", i);
    EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
    EXPECT_THAT(cookie, HasSubstr("Path=/"));
    EXPECT_THAT(cookie, Not(HasSubstr(kToken)));
    const std::string value =
        cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1);
    if (cookie.rfind("pgbr_session=", 0) == 0) {
      EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
      in.session = value;
    } else {
      ASSERT_EQ(cookie.rfind("pgbr_csrf=", 0), 0u) << cookie;
      EXPECT_THAT(cookie, Not(HasSubstr("HttpOnly")));  // the dashboard reads it
      in.csrf = value;
    }
  }
  ASSERT_EQ(in.session.size(), 64u);
  ASSERT_EQ(in.csrf.size(), 64u);
  EXPECT_NE(in.session, in.csrf);

  const std::string cookies = "pgbr_session=" + in.session + "; pgbr_csrf=" + in.csrf;
  r = get("/api/v1/status", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  r = get("/api/v1/session", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(jsonOf(r), (json{{"authenticated", true}, {"auth", "token"}}));
  r = get("/api/v1/session", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(jsonOf(r), (json{{"authenticated", false}, {"auth", "token"}}));

  // State changes by cookie need the CSRF echo.
  r = post("/api/v1/backups", R"({"type":"full"})", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_THAT(std::string(jsonOf(r)["error"]["message"]), HasSubstr("X-CSRF-Token"));
  EXPECT_EQ(jsonOf(r)["error"]["code"], "csrf_failed");
  r = post("/api/v1/backups", R"({"type":"full"})",
           {{"Cookie", cookies}, {"X-CSRF-Token", in.session}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = del("/api/v1/logs/postgres", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(service_.jobStarts(), 0);

  r = post("/api/v1/backups", R"({"type":"full"})",
           {{"Cookie", cookies}, {"X-CSRF-Token", in.csrf}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(service_.jobStarts(), 1);

  // A wrong bearer token is refused even with a valid cookie alongside.
  r = get("/api/v1/status", {{"Cookie", cookies}, {"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);

  // Sign out: both cookies cleared, the session forgotten server-side.
  r = del("/api/v1/session", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(r->get_header_value_count("Set-Cookie"), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_THAT(r->get_header_value("Set-Cookie", i), HasSubstr("Max-Age=0"));
  }
  r = get("/api/v1/status", {{"Cookie", cookies}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(AuthTest, SessionExpires) {
  options_.session_ttl = std::chrono::minutes(10);
  startServer();
  auto r = post("/api/v1/session", json{{"token", kToken}}.dump(), {});
  ASSERT_TRUE(r);
  const std::string set = r->get_header_value("Set-Cookie", 0);
  const std::string cookie = set.substr(0, set.find(';'));
  EXPECT_EQ(get("/api/v1/status", {{"Cookie", cookie}})->status, 200);
  clock_.advance(std::chrono::minutes(11));
  EXPECT_EQ(get("/api/v1/status", {{"Cookie", cookie}})->status, 401);
}

TEST_F(AuthTest, AuthNoneOpensEverything) {
  options_.auth = AuthMode::kNone;
  options_.token.clear();
  startServer();
  auto r = get("/api/v1/status", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = post("/api/v1/backups", R"({"type":"incr"})", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  r = get("/api/v1/session", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(jsonOf(r), (json{{"authenticated", true}, {"auth", "none"}}));
}

}  // namespace
}  // namespace pgbr::testing
