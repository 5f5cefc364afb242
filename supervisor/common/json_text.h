// JSON as text for files the supervisor writes. Strings in them come from outside too (a message
// pgBackRest printed, a database name in another encoding), and nlohmann::json's dump() throws on
// invalid UTF-8: here each such byte becomes U+FFFD instead, so a stray byte never costs a file
// write (or, uncaught, the process).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace pgbr {

inline std::string dumpJson(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pgbr
