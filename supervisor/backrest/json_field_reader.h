// Reading typed fields out of a parsed JSON document that a child process printed (pgBackRest's
// `info --output=json`), keeping the path of the first field that is not what was expected
// ("backup[2].info.size: expected an unsigned integer") so the message names it. Never throws:
// after the first failure every read is a no-op that returns false. Internal to backrest/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"

namespace pgbr::backrest {

class FieldReader {
 public:
  using json = nlohmann::json;

  // Epoch seconds beyond year 9999 cannot be formatted as RFC 3339 and would overflow
  // system_clock on some platforms; pgBackRest never writes them, so they mean corrupt input.
  static constexpr uint64_t kMaxEpochSeconds = 253402300799ULL;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool fail(const std::string& path, std::string_view what) {
    if (ok()) error_ = path + ": " + std::string(what);
    return false;
  }

  // The member `key` of `obj`, or null when it is absent or JSON null.
  static const json* member(const json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  const json* object(const json& obj, const char* key, const std::string& path, bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      if (required) fail(join(path, key), "missing");
      return nullptr;
    }
    if (!value->is_object()) {
      fail(join(path, key), "expected an object");
      return nullptr;
    }
    return value;
  }

  const json* array(const json& obj, const char* key, const std::string& path, bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      if (required) fail(join(path, key), "missing");
      return nullptr;
    }
    if (!value->is_array()) {
      fail(join(path, key), "expected an array");
      return nullptr;
    }
    return value;
  }

  bool string(const json& obj, const char* key, const std::string& path, std::string& out) {
    const json* value = member(obj, key);
    if (value == nullptr) return fail(join(path, key), "missing");
    if (!value->is_string()) return fail(join(path, key), "expected a string");
    out = value->get<std::string>();
    return true;
  }

  // Absent and null both mean "none": pgBackRest writes null for an empty archive.
  bool optionalString(const json& obj, const char* key, const std::string& path,
                      std::optional<std::string>& out) {
    const json* value = member(obj, key);
    if (value == nullptr) {
      out.reset();
      return true;
    }
    if (!value->is_string()) return fail(join(path, key), "expected a string or null");
    out = value->get<std::string>();
    return true;
  }

  bool uint64(const json& obj, const char* key, const std::string& path, uint64_t& out,
              bool required = true) {
    const json* value = member(obj, key);
    if (value == nullptr) return required ? fail(join(path, key), "missing") : true;
    // nlohmann keeps every non-negative integer as unsigned 64-bit, which is what system-id
    // needs; a float here would already have lost digits, so it is refused, not rounded.
    if (value->is_number_unsigned()) {
      out = value->get<uint64_t>();
      return true;
    }
    return fail(join(path, key), "expected an unsigned integer");
  }

  bool uint32(const json& obj, const char* key, const std::string& path, unsigned& out,
              bool required = true) {
    uint64_t wide = 0;
    if (!uint64(obj, key, path, wide, required)) return false;
    if (wide > std::numeric_limits<unsigned>::max()) return fail(join(path, key), "out of range");
    if (member(obj, key) != nullptr) out = static_cast<unsigned>(wide);
    return true;
  }

  bool integer(const json& obj, const char* key, const std::string& path, int& out) {
    const json* value = member(obj, key);
    if (value == nullptr) return fail(join(path, key), "missing");
    if (!value->is_number_integer()) return fail(join(path, key), "expected an integer");
    const auto wide =
        value->is_number_unsigned()
            ? static_cast<int64_t>(std::min<uint64_t>(value->get<uint64_t>(), INT64_MAX))
            : value->get<int64_t>();
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      return fail(join(path, key), "out of range");
    }
    out = static_cast<int>(wide);
    return true;
  }

  bool boolean(const json& obj, const char* key, const std::string& path, bool& out,
               bool required) {
    const json* value = member(obj, key);
    if (value == nullptr) return required ? fail(join(path, key), "missing") : true;
    if (!value->is_boolean()) return fail(join(path, key), "expected true or false");
    out = value->get<bool>();
    return true;
  }

  bool epoch(const json& obj, const char* key, const std::string& path, WallTime& out) {
    uint64_t secs = 0;
    if (!uint64(obj, key, path, secs)) return false;
    if (secs > kMaxEpochSeconds) return fail(join(path, key), "timestamp out of range");
    out = WallTime(std::chrono::seconds(static_cast<int64_t>(secs)));
    return true;
  }

  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }
  static std::string index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string error_;
};

}  // namespace pgbr::backrest
