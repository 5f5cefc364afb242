// The parts of a dump restore that need no server: the default name and the row-count check.
#include "supervisor/dumps/dump_restore.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

TEST(DumpRestore, DefaultNameCarriesTheRunsTimeAndFits) {
  EXPECT_EQ(defaultRestoreName("app", "20261206-023000-123"), "app_20261206_023000");
  const std::string name =
      defaultRestoreName(std::string(40, 'x') + "éééééééééééé", "20261206-023000-123");
  EXPECT_LE(name.size(), 63u);
  EXPECT_EQ(name.substr(name.size() - 16), "_20261206_023000");
  // Never cut inside a character: what is left before the suffix is whole UTF-8.
  const std::string base = name.substr(0, name.size() - 16);
  EXPECT_EQ(base.size() % 2, 0u);  // 40 ASCII bytes and whole two-byte characters
}

TEST(DumpRestore, CheckTablesNamesEveryDifference) {
  const std::vector<DumpTable> expected = {
      {"public", "orders", 10}, {"public", "gone", 1}, {"s", "Items", 3}};
  DatabaseRows found;
  TableRows orders;
  orders.schema = "public";
  orders.name = "orders";
  orders.rows = 11;
  TableRows items;
  items.schema = "s";
  items.name = "Items";
  items.rows = 3;
  TableRows extra;
  extra.schema = "public";
  extra.name = "extra";
  extra.rows = 0;
  found.tables = {orders, items, extra};
  const std::vector<std::string> diff = compareTables(expected, found);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(diff[0], "public.orders: 11 rows, the dump holds 10");
  EXPECT_EQ(diff[1], "public.gone: missing, the dump holds 1 rows");
  EXPECT_EQ(diff[2], "public.extra: not in the dump's manifest");
  found.tables = {items};
  found.tables[0].rows = 3;
  EXPECT_TRUE(compareTables({{"s", "Items", 3}}, found).empty());
}

}  // namespace
}  // namespace pgbr
