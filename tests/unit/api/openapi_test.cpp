// The OpenAPI document and the server's routes describe the same API: every registered route is
// in the document with its method, every documented operation is registered, and the document's
// security matches which routes are open.
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/openapi.h"
#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using nlohmann::json;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApi, DocumentIsOpenApi3WithBothSecuritySchemes) {
  const json doc = json::parse(api::openApiDocument(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  EXPECT_EQ(doc["components"]["securitySchemes"]["cookie"]["in"], "cookie");
  EXPECT_EQ(doc["components"]["securitySchemes"]["cookie"]["name"], "pgbr_session");
}

TEST(OpenApi, DescribesExactlyTheRegisteredRoutes) {
  FakeService service;
  ApiServer server(service, optionsFor(AuthMode::kNone));
  const json doc = json::parse(api::openApiDocument());

  std::set<std::string> registered;
  std::set<std::string> registered_assets;
  for (const ApiRoute& route : server.routes()) {
    const std::string key = route.method + " " + route.path;
    (route.asset ? registered_assets : registered).insert(key);
    if (route.asset) continue;
    ASSERT_TRUE(doc["paths"].contains(route.path)) << key << " is not in api/openapi.json";
    const json& operation = doc["paths"][route.path][lower(route.method)];
    ASSERT_TRUE(operation.is_object()) << key << " is not in api/openapi.json";
    // Open routes say so with an empty security list; protected ones inherit the global one.
    const bool documented_open = operation.contains("security") && operation["security"].empty();
    EXPECT_EQ(documented_open, route.open) << key;
    EXPECT_TRUE(operation.contains("responses")) << key;
    // Every path parameter of the template is described.
    for (size_t at = route.path.find('{'); at != std::string::npos;
         at = route.path.find('{', at + 1)) {
      const std::string name = route.path.substr(at + 1, route.path.find('}', at) - at - 1);
      bool described = false;
      for (const json& p : operation.value("parameters", json::array())) {
        described |= p["in"] == "path" && p["name"] == name;
      }
      EXPECT_TRUE(described) << key << " lacks path parameter " << name;
    }
  }

  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      const std::string key = upper(method) + " " + path;
      EXPECT_TRUE(registered.contains(key) || registered_assets.contains(key))
          << key << " is documented but not served";
    }
  }
  EXPECT_GT(registered.size(), 30u);
}

TEST(OpenApi, ServedWithoutToken) {
  FakeService service;
  ApiServer server(service, optionsFor(AuthMode::kToken, kToken));
  ASSERT_EQ(server.bind("127.0.0.1:0"), "");
  server.start();
  httplib::Client cli("127.0.0.1", server.port());
  auto r = cli.Get("/api/v1/openapi.json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body), json::parse(api::openApiDocument()));
  server.stop();
}

}  // namespace
}  // namespace pgbr::testing
