#include "api/input.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <regex>

#include "api/errors.h"
#include "supervisor/backrest/target_time.h"

namespace pgbr::api {

namespace {

using nlohmann::json;

constexpr size_t kMaxAnnotations = 32;
constexpr size_t kMaxAnnotationKey = 128;
constexpr size_t kMaxAnnotationValue = 1024;
constexpr size_t kMaxText = 1024;
// Postgres names (databases, restore points) are at most NAMEDATALEN - 1 bytes.
constexpr size_t kMaxPgName = 63;

bool hasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// Parses `body` as one JSON object whose keys are all in `allowed`.
Outcome<json> parseObject(std::string_view body, std::initializer_list<std::string_view> allowed,
                          std::string_view example) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return badRequest("the request body is empty; send a JSON object like " + std::string(example));
  }
  json value = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return badRequest("the request body is not valid JSON; send a JSON object like " +
                      std::string(example));
  }
  if (!value.is_object()) {
    return badRequest("the request body must be a JSON object like " + std::string(example));
  }
  for (const auto& [key, unused] : value.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (std::string_view name : allowed)
        known += (known.empty() ? "" : ", ") + std::string(name);
      return badRequest("unknown field \"" + key + "\"; the known fields are " + known);
    }
  }
  return value;
}

// A string field: absent or null gives nullopt; any other non-string is an error.
Outcome<std::optional<std::string>> optionalText(const json& object, std::string_view field,
                                                 size_t max_length = kMaxText) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) {
    return badRequest("field \"" + std::string(field) + "\" must be a string");
  }
  std::string text = it->get<std::string>();
  if (text.size() > max_length) {
    return badRequest("field \"" + std::string(field) + "\" is longer than " +
                      std::to_string(max_length) + " bytes");
  }
  if (hasControlCharacter(text)) {
    return badRequest("field \"" + std::string(field) +
                      "\" contains a control character (newline, tab, ...); remove it");
  }
  return std::optional<std::string>(std::move(text));
}

Outcome<std::string> requiredText(const json& object, std::string_view field,
                                  std::string_view hint) {
  auto text = optionalText(object, field);
  if (auto* error = std::get_if<Error>(&text)) return *error;
  auto& value = std::get<std::optional<std::string>>(text);
  if (!value || value->empty()) {
    return badRequest("field \"" + std::string(field) + "\" is required; " + std::string(hint));
  }
  return *value;
}

Outcome<std::map<std::string, std::string>> parseAnnotation(const json& object) {
  std::map<std::string, std::string> annotation;
  const auto it = object.find("annotation");
  if (it == object.end() || it->is_null()) return annotation;
  if (!it->is_object()) {
    return badRequest(
        "field \"annotation\" must be an object of strings, e.g. {\"reason\": \"before upgrade\"}");
  }
  if (it->size() > kMaxAnnotations) {
    return badRequest("field \"annotation\" has more than " + std::to_string(kMaxAnnotations) +
                      " keys");
  }
  for (const auto& [key, value] : it->items()) {
    const std::string where = "annotation key \"" + key + "\"";
    if (key.empty() || key.size() > kMaxAnnotationKey || key.find('=') != std::string::npos ||
        hasControlCharacter(key)) {
      return badRequest(where + " must be 1 to " + std::to_string(kMaxAnnotationKey) +
                        " characters without \"=\" or control characters");
    }
    if (!value.is_string()) return badRequest(where + ": the value must be a string");
    const std::string text = value.get<std::string>();
    if (text.empty() || text.size() > kMaxAnnotationValue || hasControlCharacter(text)) {
      return badRequest(where + ": the value must be 1 to " + std::to_string(kMaxAnnotationValue) +
                        " characters without control characters");
    }
    annotation.emplace(key, text);
  }
  return annotation;
}

bool isOneOf(std::string_view value, std::initializer_list<std::string_view> choices) {
  return std::find(choices.begin(), choices.end(), value) != choices.end();
}

std::optional<Error> checkRestoreTarget(const std::string& type, const std::string& target) {
  static const std::regex kLsn("^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$");
  static const std::regex kXid("^[0-9]{1,20}$");
  if (type == "time") {
    // The parser the restore itself uses, so what passes here is what pgBackRest gets.
    std::string error;
    if (!backrest::targetTimeInstant(target, &error)) {
      return badRequest("field \"target\": " + error);
    }
  } else if (type == "lsn") {
    if (!std::regex_match(target, kLsn)) {
      return badRequest("field \"target\": \"" + target +
                        "\" is not an LSN; write it as Postgres prints it, e.g. 0/3000028");
    }
  } else if (type == "xid") {
    if (!std::regex_match(target, kXid)) {
      return badRequest("field \"target\": \"" + target +
                        "\" is not a transaction id; write a whole number, e.g. 1234");
    }
  } else if (type == "name") {
    if (target.size() > kMaxPgName) {
      return badRequest("field \"target\": a restore point name is at most " +
                        std::to_string(kMaxPgName) + " bytes");
    }
  }
  return std::nullopt;
}

}  // namespace

std::string jsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome<BackupRequest> parseBackupRequest(std::string_view body) {
  constexpr std::string_view kExample = R"({"type": "full", "annotation": {"reason": "manual"}})";
  auto parsed = parseObject(body, {"type", "annotation"}, kExample);
  if (auto* error = std::get_if<Error>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);

  BackupRequest request;
  auto type = requiredText(object, "type", "use \"full\", \"diff\" or \"incr\"");
  if (auto* error = std::get_if<Error>(&type)) return *error;
  request.type = std::get<std::string>(type);
  if (!isOneOf(request.type, {"full", "diff", "incr"})) {
    return badRequest("field \"type\": \"" + request.type +
                      "\" is not a backup type; use \"full\", \"diff\" or \"incr\"");
  }
  auto annotation = parseAnnotation(object);
  if (auto* error = std::get_if<Error>(&annotation)) return *error;
  request.annotation = std::move(std::get<std::map<std::string, std::string>>(annotation));
  request.trigger = JobTrigger::kApi;
  return request;
}

Outcome<RestoreRequest> parseRestoreRequest(std::string_view body) {
  constexpr std::string_view kExample =
      R"({"type": "time", "target": "2026-11-22T10:00:00Z", "confirm": "main"})";
  auto parsed = parseObject(
      body, {"type", "target", "set", "target_action", "db_include", "confirm"}, kExample);
  if (auto* error = std::get_if<Error>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);

  RestoreRequest request;
  auto type = requiredText(object, "type", "use delta, set, time, lsn, xid, name or immediate");
  if (auto* error = std::get_if<Error>(&type)) return *error;
  request.type = std::get<std::string>(type);
  if (!isOneOf(request.type, {"delta", "set", "time", "lsn", "xid", "name", "immediate"})) {
    return badRequest("field \"type\": \"" + request.type +
                      "\" is not a restore type; use delta, set, time, lsn, xid, name or "
                      "immediate");
  }

  for (std::string_view field : {"target", "set", "target_action", "confirm"}) {
    auto text = optionalText(object, field);
    if (auto* error = std::get_if<Error>(&text)) return *error;
    const auto& value = std::get<std::optional<std::string>>(text);
    if (!value) continue;
    if (field == "target") request.target = *value;
    if (field == "set") request.set = *value;
    if (field == "target_action") request.target_action = *value;
    if (field == "confirm") request.confirm = *value;
  }

  const bool needs_target = isOneOf(request.type, {"time", "lsn", "xid", "name"});
  if (needs_target && request.target.empty()) {
    return badRequest("field \"target\" is required for a restore of type " + request.type);
  }
  if (!needs_target && !request.target.empty()) {
    return badRequest("field \"target\" is not used by a restore of type " + request.type +
                      "; leave it out");
  }
  if (needs_target) {
    if (std::optional<Error> problem = checkRestoreTarget(request.type, request.target)) {
      return *problem;
    }
  }

  static const std::regex kLabel("^[0-9A-Za-z_-]{1,64}$");
  if (request.type == "set" && request.set.empty()) {
    return badRequest("field \"set\" is required for a restore of type set; give a backup label");
  }
  if (!request.set.empty() && !std::regex_match(request.set, kLabel)) {
    return badRequest("field \"set\": \"" + request.set +
                      "\" is not a backup label like 20261122-100000F");
  }
  if (!isOneOf(request.target_action, {"promote", "pause"})) {
    return badRequest("field \"target_action\": \"" + request.target_action +
                      "\" is not allowed; use \"promote\" or \"pause\"");
  }

  if (const auto it = object.find("db_include"); it != object.end() && !it->is_null()) {
    if (!it->is_array()) {
      return badRequest("field \"db_include\" must be an array of database names");
    }
    for (const json& name : *it) {
      if (!name.is_string()) {
        return badRequest("field \"db_include\" must be an array of database names (strings)");
      }
      const std::string text = name.get<std::string>();
      if (text.empty() || text.size() > kMaxPgName || hasControlCharacter(text)) {
        return badRequest("field \"db_include\": each database name is 1 to " +
                          std::to_string(kMaxPgName) + " characters without control characters");
      }
      request.db_include.push_back(text);
    }
  }
  return request;
}

Outcome<std::string> parseSessionRequest(std::string_view body) {
  auto parsed = parseObject(body, {"token"}, R"({"token": "..."})");
  if (auto* error = std::get_if<Error>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  const auto it = object.find("token");
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return badRequest("field \"token\" is required and must be a non-empty string");
  }
  return it->get<std::string>();
}

Outcome<std::string> parseRestorePointRequest(std::string_view body) {
  auto parsed = parseObject(body, {"name"}, R"({"name": "before-deploy-42"})");
  if (auto* error = std::get_if<Error>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  const auto it = object.find("name");
  if (it == object.end() || it->is_null()) {
    return badRequest(R"(field "name" is required, for example {"name": "before-deploy-42"})");
  }
  if (!it->is_string()) return badRequest("field \"name\" must be a string");
  // The rules of a name (length, characters) are the restore points' own (restore_points.h).
  return it->get<std::string>();
}

Outcome<std::string> parsePromoteRequest(std::string_view body) {
  // No body: the service answers with what the confirmation must be.
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string();
  auto parsed = parseObject(body, {"confirm"}, R"({"confirm": "main"})");
  if (auto* error = std::get_if<Error>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  const auto it = object.find("confirm");
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return badRequest("field \"confirm\" must be a string: the stanza's name");
  return it->get<std::string>();
}

Outcome<uint64_t> parseCount(std::string_view name, std::optional<std::string_view> text,
                             uint64_t fallback, uint64_t max) {
  if (!text) return fallback;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || end != text->data() + text->size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return badRequest("query parameter \"" + std::string(name) +
                      "\" must be a whole number, got \"" + std::string(*text) + "\"");
  }
  if (ec == std::errc::result_out_of_range) return max;
  return std::min(value, max);
}

Outcome<bool> parseFlag(std::string_view name, std::optional<std::string_view> text) {
  if (!text) return false;
  if (*text == "1" || *text == "true" || text->empty()) return true;
  if (*text == "0" || *text == "false") return false;
  return badRequest("query parameter \"" + std::string(name) + "\" must be 1 or 0, got \"" +
                    std::string(*text) + "\"");
}

}  // namespace pgbr::api
