#include "supervisor/postgres/conf_parser.h"

#include <cctype>

namespace pgbr {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool isNameStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || u >= 0x80;
}

bool isNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '.' || u >= 0x80;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads a single-quoted conf string starting at text[pos] == '\''. Returns the unescaped value
// and moves pos past the closing quote, or nullopt when the quote is never closed.
std::optional<std::string> readQuoted(std::string_view text, size_t& pos) {
  std::string value;
  ++pos;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '\'') {
      if (pos + 1 < text.size() && text[pos + 1] == '\'') {
        value += '\'';
        pos += 2;
        continue;
      }
      ++pos;
      return value;
    }
    if (c == '\\' && pos + 1 < text.size()) {
      const char e = text[pos + 1];
      pos += 2;
      switch (e) {
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        default:
          if (e >= '0' && e <= '7') {
            int octal = e - '0';
            for (int i = 0; i < 2 && pos < text.size() && text[pos] >= '0' && text[pos] <= '7';
                 ++i) {
              octal = octal * 8 + (text[pos++] - '0');
            }
            value += static_cast<char>(octal);
          } else {
            value += e;
          }
      }
      continue;
    }
    value += c;
    ++pos;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ConfEntry> parseConfLine(std::string_view line) {
  size_t pos = 0;
  auto skipSpace = [&] {
    while (pos < line.size() && isSpace(line[pos])) ++pos;
  };
  skipSpace();
  if (pos >= line.size() || !isNameStart(line[pos])) return std::nullopt;
  const size_t name_start = pos;
  while (pos < line.size() && isNameChar(line[pos])) ++pos;
  ConfEntry entry;
  entry.name = lower(line.substr(name_start, pos - name_start));
  skipSpace();
  if (pos < line.size() && line[pos] == '=') {
    ++pos;
    skipSpace();
  }
  if (pos >= line.size() || line[pos] == '#') return std::nullopt;  // a name without a value
  if (line[pos] == '\'') {
    auto value = readQuoted(line, pos);
    if (!value) return std::nullopt;
    entry.value = std::move(*value);
  } else {
    const size_t value_start = pos;
    while (pos < line.size() && !isSpace(line[pos]) && line[pos] != '#' && line[pos] != '\'') {
      ++pos;
    }
    entry.value = std::string(line.substr(value_start, pos - value_start));
  }
  skipSpace();
  if (pos < line.size() && line[pos] != '#') return std::nullopt;  // trailing junk
  return entry;
}

std::vector<ConfEntry> parseConfText(std::string_view text) {
  std::vector<ConfEntry> entries;
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    if (auto entry = parseConfLine(text.substr(pos, end - pos))) {
      entry->line = number;
      entries.push_back(std::move(*entry));
    }
    if (end == text.size()) break;
    pos = end + 1;
  }
  return entries;
}

}  // namespace pgbr
