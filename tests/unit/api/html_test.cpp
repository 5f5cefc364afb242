// The seed routes' HTML and the Accept negotiation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/html.h"

namespace pgbr::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PrefersHtml, BrowsersYesCurlAndScriptsNo) {
  EXPECT_TRUE(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(prefersHtml("text/html"));
  EXPECT_TRUE(prefersHtml("application/json;q=0.5, text/*"));
  EXPECT_FALSE(prefersHtml(""));
  EXPECT_FALSE(prefersHtml("*/*"));
  EXPECT_FALSE(prefersHtml("application/json"));
  EXPECT_FALSE(prefersHtml("text/html;q=0.5, application/json"));
  EXPECT_FALSE(prefersHtml("text/html, application/json"));  // a tie means JSON
  EXPECT_FALSE(prefersHtml("TEXT/HTML;q=0, */*"));
  EXPECT_FALSE(prefersHtml(",,;q=,"));
}

TEST(HtmlEscape, EscapesTheFiveCharacters) {
  EXPECT_EQ(htmlEscape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(SeedPage, HasTheSeedShape) {
  const std::string page = seedPage("Success", {"one", "  two <b>"});
  EXPECT_THAT(page, HasSubstr("<html>"));
  EXPECT_THAT(page,
              HasSubstr("<h1> Success </h1> <br/>\none<br/>\n&nbsp;&nbsp;two &lt;b&gt;<br/>"));
  EXPECT_THAT(page, HasSubstr("</html>"));
  EXPECT_THAT(seedPage("Failure", {}), HasSubstr("<h1> Failure </h1>"));
}

TEST(FormatSize, LikePgBackRest) {
  EXPECT_EQ(formatSize(0), "0B");
  EXPECT_EQ(formatSize(1023), "1023B");
  EXPECT_EQ(formatSize(1536), "1.5KB");
  EXPECT_EQ(formatSize(23173120), "22.1MB");
  EXPECT_EQ(formatSize(3ull * 1024 * 1024 * 1024), "3GB");
  EXPECT_EQ(formatSize(10ull * 1024 * 1024), "10MB");
}

TEST(InfoSummary, ReadsLikePgBackRestInfo) {
  const nlohmann::json backups = {
      {"stanza", "main"},
      {"status", {{"code", 2}, {"message", "no valid backups"}, {"backup_running", true}}},
      {"archive", {{"min", nullptr}, {"max", nullptr}}},
      {"backups", nlohmann::json::array()}};
  EXPECT_THAT(
      infoSummary(backups),
      ElementsAre("stanza: main", "    status: error (no valid backups) (backup/expire running)",
                  "", "    db (current)", "        wal archive min/max: -/-",
                  "        no backups yet"));
  EXPECT_THAT(infoSummary(nullptr), ElementsAre("no repository information yet"));
}

TEST(InfoSummary, ListsEachBackupWithAnnotations) {
  const nlohmann::json backups = {{"stanza", "main"},
                                  {"status", {{"code", 0}, {"message", "ok"}}},
                                  {"backups",
                                   {{{"label", "20261122-100000F_20261122-110000D"},
                                     {"type", "diff"},
                                     {"prior", "20261122-100000F"},
                                     {"size", 1024},
                                     {"annotation", {{"reason", "nightly"}}}}}}};
  const std::vector<std::string> lines = infoSummary(backups);
  EXPECT_THAT(lines, ::testing::Contains("        diff backup: 20261122-100000F_20261122-110000D"));
  EXPECT_THAT(lines, ::testing::Contains("            backup reference: 20261122-100000F"));
  EXPECT_THAT(lines, ::testing::Contains("            annotation: reason=nightly"));
  EXPECT_THAT(lines,
              ::testing::Contains("            database size: 1KB, database backup size: -"));
}

TEST(PostgresSummary, KeyValueLines) {
  EXPECT_THAT(postgresSummary({{"state", "RUNNING"}, {"pid", 42}, {"version", nullptr}}),
              ElementsAre("pid: 42", "state: RUNNING", "version: null"));
}

}  // namespace
}  // namespace pgbr::api
