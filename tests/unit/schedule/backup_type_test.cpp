#include "supervisor/schedule/backup_type.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

TEST(BackupType, NamesArePgBackRestsOwn) {
  EXPECT_EQ(toString(BackupType::kFull), "full");
  EXPECT_EQ(toString(BackupType::kDiff), "diff");
  EXPECT_EQ(toString(BackupType::kIncr), "incr");
  for (BackupType type : kBackupTypes) EXPECT_EQ(parseBackupType(toString(type)), type);
}

TEST(BackupType, ParseRefusesAnythingElse) {
  EXPECT_EQ(parseBackupType(""), std::nullopt);
  EXPECT_EQ(parseBackupType("FULL"), std::nullopt);
  EXPECT_EQ(parseBackupType("differential"), std::nullopt);
  EXPECT_EQ(parseBackupType("incr "), std::nullopt);
}

TEST(BackupType, ListedLargestFirst) {
  EXPECT_EQ(kBackupTypes[0], BackupType::kFull);
  EXPECT_EQ(kBackupTypes[1], BackupType::kDiff);
  EXPECT_EQ(kBackupTypes[2], BackupType::kIncr);
}

TEST(BackupType, LargerCoversSmaller) {
  EXPECT_TRUE(covers(BackupType::kFull, BackupType::kFull));
  EXPECT_TRUE(covers(BackupType::kFull, BackupType::kDiff));
  EXPECT_TRUE(covers(BackupType::kFull, BackupType::kIncr));
  EXPECT_FALSE(covers(BackupType::kDiff, BackupType::kFull));
  EXPECT_TRUE(covers(BackupType::kDiff, BackupType::kDiff));
  EXPECT_TRUE(covers(BackupType::kDiff, BackupType::kIncr));
  EXPECT_FALSE(covers(BackupType::kIncr, BackupType::kFull));
  EXPECT_FALSE(covers(BackupType::kIncr, BackupType::kDiff));
  EXPECT_TRUE(covers(BackupType::kIncr, BackupType::kIncr));
}

}  // namespace
}  // namespace pgbr
