// The replication rows as the status shows them: a streaming standby, one whose primary is
// away (no receiver), and a primary's standbys.
#include "supervisor/replica/replication_status.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

TEST(ReplicationStatus, AStreamingStandby) {
  const ReplicationStatus s = parseRecoveryRow({"t", "streaming", "10.0.0.5", "5432", "0/5000060",
                                                "0/5000000", "96", "1.25", "1765000000.5"});
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_TRUE(s.in_recovery);
  EXPECT_EQ(s.receiver, "streaming");
  EXPECT_EQ(s.sender, "10.0.0.5:5432");
  EXPECT_EQ(s.receive_lsn, "0/5000060");
  EXPECT_EQ(s.replay_lsn, "0/5000000");
  EXPECT_EQ(s.lag_bytes, 96);
  EXPECT_DOUBLE_EQ(s.lag_seconds.value_or(-1), 1.25);
  ASSERT_TRUE(s.last_message.has_value());
}

TEST(ReplicationStatus, NoReceiverAndAnIpv6Sender) {
  const ReplicationStatus away =
      parseRecoveryRow({"t", std::nullopt, std::nullopt, std::nullopt, std::nullopt, "0/3000000",
                        std::nullopt, "42.5", std::nullopt});
  ASSERT_TRUE(away.ok);
  EXPECT_EQ(away.receiver, "");
  EXPECT_EQ(away.sender, "");
  EXPECT_FALSE(away.lag_bytes.has_value());
  EXPECT_DOUBLE_EQ(away.lag_seconds.value_or(-1), 42.5);

  const ReplicationStatus v6 = parseRecoveryRow(
      {"t", "streaming", "fd00::1", "5433", "0/1", "0/1", "-8", "0", std::nullopt});
  EXPECT_EQ(v6.sender, "[fd00::1]:5433");
  EXPECT_EQ(v6.lag_bytes, 0) << "a reported end behind replay is no lag";
}

TEST(ReplicationStatus, APrimarysStandbys) {
  const StandbyPeer peer = parsePeerRow({"standby-1", "10.0.0.7", "streaming", "0", std::nullopt});
  EXPECT_EQ(peer.name, "standby-1");
  EXPECT_EQ(peer.client, "10.0.0.7");
  EXPECT_EQ(peer.state, "streaming");
  EXPECT_EQ(peer.lag_bytes, 0);
  EXPECT_FALSE(peer.lag_seconds.has_value());
}

TEST(ReplicationStatus, AMalformedRowIsAnError) {
  const ReplicationStatus s = parseRecoveryRow({"t"});
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.error.find("1 columns"), std::string::npos) << s.error;
}

}  // namespace
}  // namespace pgbr
