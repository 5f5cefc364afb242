#include "supervisor/postgres/shell_words.h"

#include <cstring>

namespace pgbr {

ShellWords splitShellWords(std::string_view text) {
  ShellWords result;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  auto failWith = [&](std::string error) {
    result.words.clear();
    result.error = std::move(error);
    return result;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) result.words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return failWith("ends with a lone backslash");
      // Backslash-newline joins lines and is not part of any word.
      if (text[i + 1] != '\n') {
        word += text[i + 1];
        in_word = true;
      }
      i += 2;
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return failWith("unterminated single quote");
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        // Inside double quotes a backslash only escapes the characters the shell treats
        // specially there; before anything else it stays a backslash.
        if (d == '\\' && i + 1 < text.size() && std::strchr("\"\\$`\n", text[i + 1]) != nullptr) {
          if (text[i + 1] != '\n') word += text[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) return failWith("unterminated double quote");
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) result.words.push_back(std::move(word));
  return result;
}

}  // namespace pgbr
