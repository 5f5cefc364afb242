// The OpenAPI 3.0 document of every route, served at GET /api/v1/openapi.json. It is the file
// api/openapi.json, embedded at build time by api/embed_file.cmake; a unit test keeps it and
// the routes the server registers in step.
#pragma once

#include <string_view>

namespace pgbr::api {

std::string_view openApiDocument();

}  // namespace pgbr::api
