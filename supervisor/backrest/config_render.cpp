#include "supervisor/backrest/config_render.h"

#include "supervisor/common/errors.h"

namespace pgbr::backrest {
namespace {

bool isNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool validName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isNameChar(c)) return false;
  }
  return true;
}

size_t lineOf(std::string_view text, size_t pos) {
  size_t line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

[[noreturn]] void fail(std::string_view source, std::string_view templ, size_t pos,
                       const std::string& what) {
  throw ConfigError(std::string(source) + " line " + std::to_string(lineOf(templ, pos)) + ": " +
                    what);
}

}  // namespace

std::string renderConfig(std::string_view templ, const std::map<std::string, std::string>& vars,
                         std::string_view source) {
  std::string out;
  out.reserve(templ.size());
  size_t pos = 0;
  while (pos < templ.size()) {
    const size_t open = templ.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(templ.substr(pos));
      break;
    }
    out.append(templ.substr(pos, open - pos));
    const size_t close = templ.find("}}", open + 2);
    const size_t eol = templ.find('\n', open);
    if (close == std::string_view::npos || (eol != std::string_view::npos && close > eol)) {
      fail(source, templ, open, "unterminated placeholder, expected {{NAME}}");
    }
    const std::string name(templ.substr(open + 2, close - open - 2));
    if (!validName(name)) {
      fail(source, templ, open,
           "malformed placeholder {{" + name + "}}: names are capital letters, digits and '_'");
    }
    auto it = vars.find(name);
    if (it == vars.end()) {
      fail(source, templ, open,
           "no value for placeholder {{" + name +
               "}}: the template and this supervisor do not "
               "match");
    }
    if (it->second.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
      fail(source, templ, open,
           "the value for {{" + name +
               "}} contains a line break or NUL, which would add a "
               "setting to the pgbackrest configuration");
    }
    out.append(it->second);
    pos = close + 2;
  }
  return out;
}

std::set<std::string> configPlaceholders(std::string_view templ) {
  std::set<std::string> names;
  size_t pos = 0;
  while ((pos = templ.find("{{", pos)) != std::string_view::npos) {
    const size_t close = templ.find("}}", pos + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = templ.substr(pos + 2, close - pos - 2);
    if (validName(name)) names.emplace(name);
    pos = close + 2;
  }
  return names;
}

}  // namespace pgbr::backrest
