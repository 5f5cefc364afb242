// POSTGRES_INITDB_ARGS split into words the way the stock image's entrypoint splits it (it hands
// the variable to `eval`), minus every expansion: no variables, no globs, no command
// substitution. The words go into initdb's argv, so no shell ever sees the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgbr {

// Split as a POSIX shell splits a word list, without any expansion: whitespace separates words,
// '...' is literal, "..." honours \" \\ \$ \` and \<newline>, a backslash outside quotes escapes
// the next character, "" is an empty word. An unterminated quote or a trailing lone backslash is
// an error.
struct ShellWords {
  std::vector<std::string> words;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};
ShellWords splitShellWords(std::string_view text);

}  // namespace pgbr
