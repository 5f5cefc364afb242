// POSTGRES_INITDB_ARGS is split the way the stock image's `eval` splits it, minus expansion.
#include <gtest/gtest.h>

#include "supervisor/postgres/shell_words.h"

namespace pgbr {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view text) {
  ShellWords result = splitShellWords(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.error;
  return result.words;
}

TEST(SplitShellWords, EmptyAndBlankGiveNoWords) {
  EXPECT_EQ(split(""), Words{});
  EXPECT_EQ(split("  \t\n "), Words{});
}

TEST(SplitShellWords, WhitespaceSeparates) {
  EXPECT_EQ(split("--data-checksums  --locale=C\t-E\nUTF8"),
            (Words{"--data-checksums", "--locale=C", "-E", "UTF8"}));
}

TEST(SplitShellWords, SingleQuotesAreLiteral) {
  EXPECT_EQ(split(R"(--locale='en US' 'a\b' '$HOME')"),
            (Words{"--locale=en US", R"(a\b)", "$HOME"}));
}

TEST(SplitShellWords, DoubleQuotesHonourTheirEscapes) {
  EXPECT_EQ(split(R"("a \"b\" c" "x\\y" "\$HOME" "keep\n")"),
            (Words{R"(a "b" c)", R"(x\y)", "$HOME", R"(keep\n)"}));
}

TEST(SplitShellWords, BackslashEscapesOutsideQuotes) {
  EXPECT_EQ(split(R"(a\ b \'q\' c\\d)"), (Words{"a b", "'q'", R"(c\d)"}));
}

TEST(SplitShellWords, BackslashNewlineJoinsLines) {
  EXPECT_EQ(split("--one \\\n--two"), (Words{"--one", "--two"}));
  EXPECT_EQ(split("ab\\\ncd"), (Words{"abcd"}));
}

TEST(SplitShellWords, AdjacentPartsMakeOneWord) {
  EXPECT_EQ(split(R"(--auth-host='scram'"-sha"-256)"), (Words{"--auth-host=scram-sha-256"}));
}

TEST(SplitShellWords, EmptyQuotesAreAnEmptyWord) {
  EXPECT_EQ(split(R"(a '' "" b)"), (Words{"a", "", "", "b"}));
}

TEST(SplitShellWords, NothingIsExpanded) {
  EXPECT_EQ(split("$HOME ~ * `id` $(id)"), (Words{"$HOME", "~", "*", "`id`", "$(id)"}));
}

TEST(SplitShellWords, UnterminatedQuotesAreErrors) {
  ShellWords single = splitShellWords("--locale='en_US");
  EXPECT_FALSE(single.ok());
  EXPECT_EQ(single.error, "unterminated single quote");
  EXPECT_TRUE(single.words.empty());

  ShellWords dbl = splitShellWords(R"(a "b \")");
  EXPECT_FALSE(dbl.ok());
  EXPECT_EQ(dbl.error, "unterminated double quote");
}

TEST(SplitShellWords, TrailingBackslashIsAnError) {
  ShellWords result = splitShellWords("a \\");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "ends with a lone backslash");
}

}  // namespace
}  // namespace pgbr
