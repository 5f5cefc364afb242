// Carrying a table's count over from the previous record: only while nothing that changes the
// count happened since it was taken, and the record keeps saying which counts were carried.
#include "supervisor/postgres/row_counts.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

TableRows counted(int64_t rows, TableMods before, TableMods after) {
  TableRows t;
  t.oid = 16384;
  t.schema = "public";
  t.name = "orders";
  t.rows = rows;
  t.before = std::move(before);
  t.after = std::move(after);
  return t;
}

TEST(CarriedCount, OnlyWhileNoRowWasInsertedDeletedOrTruncatedAway) {
  const TableRows previous = counted(1000, {900, 0, "16390"}, {1000, 0, "16390"});
  EXPECT_EQ(carriedCount(previous, {1000, 0, "16390"}), 1000);
  EXPECT_FALSE(carriedCount(previous, {1001, 0, "16390"})) << "a row inserted since";
  EXPECT_FALSE(carriedCount(previous, {1000, 1, "16390"})) << "a row deleted since";
  EXPECT_FALSE(carriedCount(previous, {1000, 0, "16411"})) << "truncated or rewritten since";
  EXPECT_FALSE(carriedCount(previous, {0, 0, "16390"})) << "statistics reset: count again";
  TableRows failed = previous;
  failed.rows.reset();
  failed.error = "permission denied";
  EXPECT_FALSE(carriedCount(failed, {1000, 0, "16390"})) << "nothing was counted to carry";
  TableRows without_after = previous;
  without_after.after.reset();
  EXPECT_FALSE(carriedCount(without_after, {1000, 0, "16390"}));
}

TEST(CarriedCount, TheRecordSaysWhichCountsWereCarried) {
  RowCountRecord record;
  record.label = "20261206-040811F";
  DatabaseRows db;
  db.name = "app";
  TableRows carried = counted(1000, {900, 0, "16390"}, {1000, 0, "16390"});
  carried.carried = true;
  db.tables.push_back(carried);
  db.tables.push_back(counted(5, {5, 0, "16400"}, {5, 0, "16400"}));
  record.databases.push_back(db);
  const auto back = rowCountRecordFromJson(toJson(record));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->databases.at(0).tables.size(), 2u);
  EXPECT_TRUE(back->databases[0].tables[0].carried);
  EXPECT_FALSE(back->databases[0].tables[1].carried);
  EXPECT_EQ(back->databases[0].tables[0].before, (TableMods{900, 0, "16390"}));
  EXPECT_FALSE(toJson(record)["databases"][0]["tables"][1].contains("carried"));
}

}  // namespace
}  // namespace pgbr
