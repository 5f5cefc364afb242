// Restore validation on a fake clock and a made-up repository: every refusal happens before
// anything is stopped, so these rules are what keeps a bad request from touching Postgres.
#include "supervisor/restore/validation.h"

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"
#include "tests/support/fake_clock.h"

namespace pgbr {
namespace {

WallTime at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

backrest::BackupInfo backupAt(std::string label, const char* start, const char* stop,
                              std::string wal_start, std::string lsn_stop) {
  backrest::BackupInfo b;
  b.label = std::move(label);
  b.type = "full";
  b.started_at = at(start);
  b.finished_at = at(stop);
  b.wal_start = wal_start;
  b.wal_stop = wal_start;
  b.lsn_stop = std::move(lsn_stop);
  b.db_id = 1;
  b.repo_key = 1;
  return b;
}

class RestoreValidation : public ::testing::Test {
 protected:
  RestoreValidation() : clock_(at("2026-12-05T12:00:00Z")) {
    info_.stanza = "main";
    info_.dbs.push_back({1, 1, 7000000000000000001ULL, "15"});
    backrest::ArchiveRange archive;
    archive.id = "15-1";
    archive.db_id = 1;
    archive.repo_key = 1;
    archive.min = "000000010000000000000003";
    archive.max = "000000010000000000000020";
    info_.archives.push_back(archive);
    // The oldest backup's WAL is gone from the archive: the window starts at the second one.
    info_.backups.push_back(backupAt("20261205-080000F", "2026-12-05T08:00:00Z",
                                     "2026-12-05T08:00:10Z", "000000010000000000000001",
                                     "0/1000100"));
    info_.backups.push_back(backupAt("20261205-090000F", "2026-12-05T09:00:00Z",
                                     "2026-12-05T09:00:10Z", "000000010000000000000005",
                                     "0/5000100"));
    info_.backups.push_back(backupAt("20261205-100000F", "2026-12-05T10:00:00Z",
                                     "2026-12-05T10:00:10Z", "000000010000000000000010",
                                     "0/10000100"));
  }

  std::optional<Error> check(const std::string& type, const std::string& target,
                             const std::string& set = {}) {
    RestoreRequest request;
    request.type = type;
    request.target = target;
    request.set = set;
    request.confirm = confirm_;
    RestoreFacts facts;
    facts.stanza = "main";
    facts.initialised = initialised_;
    facts.info = has_info_ ? &info_ : nullptr;
    facts.archived_until = archived_until_;
    facts.now = clock_.wall();
    facts.next_xid = next_xid_;
    facts.current_lsn = current_lsn_;
    facts.named_point_lsn = point_lsn_;
    facts.stanza_mismatch = mismatch_;
    plan_ = RestorePlan{};
    return validateRestore(request, facts, &plan_);
  }

  testing::FakeClock clock_;
  backrest::InfoModel info_;
  std::string confirm_ = "main";
  bool initialised_ = true;
  bool has_info_ = true;
  std::optional<WallTime> archived_until_ = at("2026-12-05T11:59:00Z");
  std::optional<uint64_t> next_xid_;
  std::optional<uint64_t> current_lsn_;
  std::optional<uint64_t> point_lsn_;
  std::optional<std::string> mismatch_;
  RestorePlan plan_;
};

TEST_F(RestoreValidation, ConfirmationComesFirst) {
  confirm_ = "mian";
  auto error = check("delta", "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kConfirmRequired);
  EXPECT_NE(error->message.find("\"confirm\": \"main\""), std::string::npos);
  has_info_ = false;  // even with nothing else known
  EXPECT_EQ(check("delta", "")->code, ErrorCode::kConfirmRequired);
}

TEST_F(RestoreValidation, RefusedWhileInitialisingOrWithoutBackup) {
  initialised_ = false;
  EXPECT_EQ(check("delta", "")->code, ErrorCode::kBadRequest);
  initialised_ = true;
  has_info_ = false;
  EXPECT_EQ(check("delta", "")->code, ErrorCode::kUnrecoverable);
  has_info_ = true;
  info_.backups.clear();
  auto error = check("delta", "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_EQ(error->message, "the repository holds no backup to restore from");
}

TEST_F(RestoreValidation, AnotherDatabasesStanzaIsRefusedForEveryType) {
  mismatch_ = "stanza main of the repository holds the backups of another database";
  for (const char* type : {"delta", "immediate", "time"}) {
    auto error = check(type, std::string(type) == "time" ? "2026-12-05 11:00:00+00" : "");
    ASSERT_TRUE(error) << type;
    EXPECT_EQ(error->code, ErrorCode::kConflict) << type;
    EXPECT_EQ(error->message, "refused, nothing was changed: " + *mismatch_);
  }
}

TEST_F(RestoreValidation, DeltaImmediateXidAndNamePassWhenABackupExists) {
  EXPECT_FALSE(check("delta", ""));
  EXPECT_FALSE(check("immediate", ""));
  EXPECT_FALSE(check("xid", "1234"));
  EXPECT_FALSE(check("name", "before-deploy"));
}

TEST_F(RestoreValidation, SetMustExist) {
  EXPECT_FALSE(check("set", "", "20261205-090000F"));
  auto error = check("set", "", "20261205-093000F");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kBadRequest);
  EXPECT_NE(error->message.find("20261205-093000F"), std::string::npos);
}

TEST_F(RestoreValidation, TimeInsideTheWindowPasses) {
  EXPECT_FALSE(check("time", "2026-12-05T09:30:00Z"));
  EXPECT_FALSE(check("time", "2026-12-05T11:59:00Z"));  // the newest archived WAL itself
  // The first whole second after the oldest usable backup's stop.
  EXPECT_FALSE(check("time", "2026-12-05T09:00:11Z"));
}

TEST_F(RestoreValidation, TimeBeforeTheWindowIsUnrecoverable) {
  // 08:30 is after the oldest backup, but its WAL is no longer archived: the window starts at
  // the second backup's stop, and the second it stopped in is not yet restorable.
  for (const char* target : {"2026-12-05T08:30:00Z", "2026-12-05T09:00:10Z"}) {
    auto error = check("time", target);
    ASSERT_TRUE(error) << target;
    EXPECT_EQ(error->code, ErrorCode::kUnrecoverable) << target;
    EXPECT_NE(error->message.find("outside the recoverable window 2026-12-05T09:00:11Z"),
              std::string::npos)
        << error->message;
  }
}

TEST_F(RestoreValidation, TimeAfterTheArchiveIsUnrecoverable) {
  auto error = check("time", "2026-12-05T11:59:30Z");  // before now, after the archive
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_NE(error->message.find("after the newest archived WAL"), std::string::npos);
  error = check("time", "2026-12-05T13:00:00Z");  // in the future
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("outside the recoverable window"), std::string::npos);
}

TEST_F(RestoreValidation, TimeWithASetStartsAtThatSet) {
  EXPECT_FALSE(check("time", "2026-12-05T10:30:00Z", "20261205-100000F"));
  auto error = check("time", "2026-12-05T09:30:00Z", "20261205-100000F");
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("of backup 20261205-100000F"), std::string::npos);
}

TEST_F(RestoreValidation, UnknownArchiveEndBoundsTimeByTheClock) {
  archived_until_.reset();
  EXPECT_FALSE(check("time", "2026-12-05T11:59:59Z"));
  clock_.advance(Millis(-3600 * 1000));
  EXPECT_TRUE(check("time", "2026-12-05T11:59:59Z"));
}

TEST_F(RestoreValidation, MalformedTimeIsABadRequest) {
  auto error = check("time", "yesterday");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kBadRequest);
  EXPECT_EQ(error->message.rfind("target: ", 0), 0u);
}

TEST_F(RestoreValidation, LsnBeforeTheBackupEndIsUnrecoverable) {
  EXPECT_FALSE(check("lsn", "0/6000000"));
  auto error = check("lsn", "0/4000000");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_NE(error->message.find(
                "before the end of the oldest usable backup (20261205-090000F, 0/5000100)"),
            std::string::npos)
      << error->message;
  // With a set named, its own end is the bound.
  EXPECT_TRUE(check("lsn", "0/6000000", "20261205-100000F"));
  EXPECT_FALSE(check("lsn", "0/10000100", "20261205-100000F"));
}

// pgBackRest 2.45 starts an LSN restore from the latest backup, which may have ended after the
// target: the plan names the newest backup that ended at or before it.
TEST_F(RestoreValidation, LsnPicksTheNewestBackupThatEndedBeforeIt) {
  EXPECT_FALSE(check("lsn", "0/6000000"));
  EXPECT_EQ(plan_.set, "20261205-090000F");
  EXPECT_FALSE(check("lsn", "0/10000100"));  // the end of the newest backup itself
  EXPECT_EQ(plan_.set, "20261205-100000F");
  EXPECT_FALSE(check("lsn", "0/6000000", "20261205-090000F"));
  EXPECT_EQ(plan_.set, "");  // a set asked for is used as asked
}

// The archive's newest segment is 0x20: its WAL ends at 0/21000000. The running server's
// position extends that (pg_wal survives the restore).
TEST_F(RestoreValidation, LsnBeyondTheEndOfTheWalIsUnrecoverable) {
  EXPECT_FALSE(check("lsn", "0/21000000"));
  auto error = check("lsn", "0/21000001");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_NE(error->message.find("beyond the end of the WAL (0/21000000)"), std::string::npos)
      << error->message;
  error = check("lsn", "FF/0");
  ASSERT_TRUE(error);
  current_lsn_ = 0x22000100;
  EXPECT_FALSE(check("lsn", "0/22000000"));
  EXPECT_TRUE(check("lsn", "0/22000101"));
}

TEST_F(RestoreValidation, XidNotAssignedYetIsUnrecoverable) {
  next_xid_ = 5000;
  EXPECT_FALSE(check("xid", "4999"));
  auto error = check("xid", "5000");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_NE(error->message.find("has not been assigned yet (the next id is 5000)"),
            std::string::npos)
      << error->message;
  EXPECT_TRUE(check("xid", "4294967296"));  // an epoch-qualified id from the future
  // After a wraparound a bare 32-bit id cannot be compared; an epoch-qualified one can.
  next_xid_ = (uint64_t{1} << 32) + 100;
  EXPECT_FALSE(check("xid", "4000000000"));
  EXPECT_FALSE(check("xid", "4294967395"));
  EXPECT_TRUE(check("xid", "4294967396"));
  // Without a running server nothing is known.
  next_xid_.reset();
  EXPECT_FALSE(check("xid", "99999999"));
}

TEST_F(RestoreValidation, RecordedRestorePointIsBoundedByItsLsn) {
  EXPECT_FALSE(check("name", "unknown-to-the-supervisor"));
  EXPECT_EQ(plan_.set, "");
  point_lsn_ = 0x6000000;
  EXPECT_FALSE(check("name", "before-deploy"));
  EXPECT_EQ(plan_.set, "20261205-090000F");
  point_lsn_ = 0x4000000;  // before the oldest usable backup ended
  auto error = check("name", "before-deploy");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kUnrecoverable);
  EXPECT_NE(error->message.find("restore point before-deploy (0/4000000)"), std::string::npos)
      << error->message;
}

TEST(WalSegmentEnd, IsTheStartOfTheNextSegment) {
  EXPECT_EQ(walSegmentEnd("000000010000000000000001", 16 << 20), 0x2000000u);
  EXPECT_EQ(walSegmentEnd("0000000200000001000000FF", 16 << 20), 0x200000000ULL);
  EXPECT_EQ(walSegmentEnd("000000010000000000000003", 64 << 20), 0x10000000u);
  EXPECT_FALSE(walSegmentEnd("00000001000000000000000", 16 << 20));
  EXPECT_FALSE(walSegmentEnd("0000000100000000000000ZZ", 16 << 20));
  EXPECT_EQ(formatLsn(0x200000000ULL), "2/0");
  EXPECT_EQ(formatLsn(0x16B3740), "0/16B3740");
}

TEST_F(RestoreValidation, MalformedLsnIsABadRequest) {
  for (const char* lsn : {"16B3740", "0/xyz", "G/0", "0/1/2", "100000000/0"}) {
    auto error = check("lsn", lsn);
    ASSERT_TRUE(error) << lsn;
    EXPECT_EQ(error->code, ErrorCode::kBadRequest) << lsn;
  }
}

TEST(ParseLsn, ReadsBothHalves) {
  EXPECT_EQ(parseLsn("0/16B3740"), 0x16B3740u);
  EXPECT_EQ(parseLsn("FF/0"), 0xFF00000000ULL);
  EXPECT_EQ(parseLsn("ffffffff/FFFFFFFF"), 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_FALSE(parseLsn(""));
  EXPECT_FALSE(parseLsn("1/2x"));
}

}  // namespace
}  // namespace pgbr
