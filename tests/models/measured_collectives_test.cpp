// In-node collectives priced from measured calls (models/collective/
// measured_collectives.hpp, the `collective` rows of a calibration table):
// the rows themselves, the power law between two rows, the ends, the
// gathers and scatters taken as half an all-reduce, and which collectives of
// a run the rows price. The A100 rows are nccl-tests' all_reduce_perf on one
// DGX A100 node as ml-engineering publishes them (models/calibration/tables/
// A100-SXM4-80GB.yaml): 64 MiB in 684.6 us, 128 MiB in 1327.6 us.
#include <gtest/gtest.h>

#include <cmath>

#include "models/calibration/leave_one_out.hpp"
#include "sim/core/error.hpp"
#include "models/collective/measured_collectives.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"
#include "sim/run/run_context.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::models::measured_collectives_test {
namespace {

using task::CollectiveOp;

std::vector<CollectiveRow> rows() {
  const auto row = [](std::int64_t bytes, double us) {
    return CollectiveRow{CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(bytes),
                         Duration::ns(static_cast<std::int64_t>(us * 1e3)), "test"};
  };
  return {row(64LL << 20, 684.6), row(128LL << 20, 1327.6), row(32 << 10, 43.83)};
}

TEST(MeasuredCollectives, ARowGivesItsOwnTime) {
  const MeasuredCollectives m(rows());
  EXPECT_EQ(m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(64LL << 20)), Duration::ns(684600));
  EXPECT_EQ(m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(128LL << 20)), Duration::ns(1327600));
}

TEST(MeasuredCollectives, BetweenTwoRowsAPowerLawThroughBoth) {
  const MeasuredCollectives m(rows());
  // 96 MiB: t = 684.6 · (1327.6/684.6)^(log(1.5)/log(2)), computed here on its own.
  const double expect_us = 684.6 * std::pow(1327.6 / 684.6, std::log(1.5) / std::log(2.0));
  const auto t = m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(96LL << 20));
  ASSERT_TRUE(t.has_value());
  EXPECT_NEAR(t->seconds() * 1e6, expect_us, 1e-3);
}

TEST(MeasuredCollectives, BelowTheSmallestRowItsTimeAboveTheLargestItsBandwidth) {
  const MeasuredCollectives m(rows());
  EXPECT_EQ(m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(1024)), Duration::ns(43830));
  // 256 MiB at the 128 MiB row's bus bandwidth: twice its time.
  EXPECT_EQ(m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(256LL << 20)), Duration::ns(2 * 1327600));
}

TEST(MeasuredCollectives, ATimeBeyondTheClockIsAnErrorNotAnOverflow) {
  // One slow row (2 MiB in 16.24 ms, a fuzzed table's), asked for 2^62 bytes at
  // its bandwidth: 2^41 · 16.24 ms = 3.6e10 s, more than 2^62 ns. It used to
  // be cast to an integer anyway (undefined behaviour, found by scripts/fuzz.sh).
  const MeasuredCollectives m(
      {CollectiveRow{CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(2LL << 20), Duration::us(16240), "test"}});
  try {
    (void)m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(std::int64_t{1} << 62));
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "a duration of 3.57e+10 s is beyond orrery's clock (2^62 ns, about 146 years)");
  }
  // 2^40 bytes is 2^19 times the row, 8.5e3 s: still on the clock (rounded up to the ns).
  const auto t = m.time(CollectiveOp::kAllReduce, 8, "nvswitch", Bytes(std::int64_t{1} << 40));
  ASSERT_TRUE(t.has_value());
  EXPECT_NEAR(static_cast<double>(t->count()), 16240000.0 * (1 << 19), 1.0);
}

TEST(MeasuredCollectives, GathersAndScattersWithoutRowsTakeHalfTheAllReduce) {
  const MeasuredCollectives m(rows());
  EXPECT_EQ(m.time(CollectiveOp::kAllGather, 8, "nvswitch", Bytes(64LL << 20)), Duration::ns(342300));
  EXPECT_EQ(m.time(CollectiveOp::kReduceScatter, 8, "nvswitch", Bytes(128LL << 20)), Duration::ns(663800));
  // Their own rows win.
  std::vector<CollectiveRow> own = rows();
  own.push_back({CollectiveOp::kAllGather, 8, "nvswitch", Bytes(64LL << 20), Duration::us(400), "test"});
  EXPECT_EQ(MeasuredCollectives(own).time(CollectiveOp::kAllGather, 8, "nvswitch", Bytes(64LL << 20)),
            Duration::us(400));
}

TEST(MeasuredCollectives, OtherOpsRanksAndFabricsHaveNoPrice) {
  const MeasuredCollectives m(rows());
  EXPECT_FALSE(m.time(CollectiveOp::kAllToAll, 8, "nvswitch", Bytes(1 << 20)).has_value());
  EXPECT_FALSE(m.time(CollectiveOp::kAllReduce, 4, "nvswitch", Bytes(1 << 20)).has_value());
  EXPECT_FALSE(m.time(CollectiveOp::kAllReduce, 8, "pcie", Bytes(1 << 20)).has_value());
  EXPECT_TRUE(MeasuredCollectives().empty());
}

TEST(MeasuredCollectives, LeaveOneOutPricesEachRowFromTheOthers) {
  CalibrationTable t;
  t.collective = rows();  // 64 MiB, 128 MiB, 32 KiB
  const LeaveOneOut loo = leave_one_out(t, DeviceCatalog(devices_dir()).load("A100-SXM4-80GB"));
  ASSERT_EQ(loo.rows.size(), 3u);
  // 64 MiB from 32 KiB and 128 MiB: the power law through those two, 11 of their 12 doublings along.
  const double expect_s = 43.83e-6 * std::pow(1327.6 / 43.83, 11.0 / 12.0);
  EXPECT_NEAR(loo.rows[0].predicted_s, expect_s, 1e-9);
  EXPECT_EQ(loo.rows[0].measured_s, 684.6e-6);
  EXPECT_DOUBLE_EQ(loo.rows[0].distance, 1.0);
  // 128 MiB from the 64 MiB row's bus bandwidth (above the largest remaining row).
  EXPECT_NEAR(loo.rows[1].predicted_s, 2 * 684.6e-6, 1e-9);
  // 32 KiB below the smallest remaining row: that row's time.
  EXPECT_NEAR(loo.rows[2].predicted_s, 684.6e-6, 1e-9);
}

// The run's pricer: a group inside one NVSwitch node of A100s takes the
// shipped table's measured time; a group across nodes, a named algorithm, or
// a run without calibration takes the alpha-beta prediction.
task::CollectivePrice price(const std::string& text, std::vector<int> devices, CollectiveOp op, std::int64_t bytes,
                            const std::string& algorithm = "auto") {
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const run::RunContext context(s);
  task::CollectiveWork w;
  w.op = op;
  for (int d : devices) w.group.push_back(DeviceId(d));
  w.bytes = Bytes(bytes);
  w.algorithm = algorithm;
  return context.pricing().collectives->price(w);
}

TEST(MeasuredCollectives, TheRunPricesInNodeCollectivesFromTheRows) {
  const std::string text = test::kSmallTraining;
  const std::vector<int> node0{0, 1, 2, 3, 4, 5, 6, 7};
  const auto ar = price(text, node0, CollectiveOp::kAllReduce, 64LL << 20);
  EXPECT_EQ(ar.algorithm, "measured");
  EXPECT_EQ(ar.time, Duration::ns(684600));
  EXPECT_EQ(price(text, node0, CollectiveOp::kAllGather, 64LL << 20).time, Duration::ns(342300));
  // Across the two nodes, or with a named algorithm: the plan's prediction.
  EXPECT_NE(price(text, {0, 1, 2, 3, 8, 9, 10, 11}, CollectiveOp::kAllReduce, 64LL << 20).algorithm, "measured");
  EXPECT_EQ(price(text, node0, CollectiveOp::kAllReduce, 64LL << 20, "ring").algorithm, "ring");
  const std::string none = test::replace(text, "device: A100-SXM4-80GB", "device: A100-SXM4-80GB\n  calibration: none");
  EXPECT_NE(price(none, node0, CollectiveOp::kAllReduce, 64LL << 20).algorithm, "measured");
}

// The H100 has no collective rows of its own; its calibration sibling, the
// H200, has the 8-GPU NVSwitch all_reduce rows of ml-engineering's 8xH200
// run (64 MiB in 338.92 µs), over the same NVLink 4 at 450 GB/s each way, so
// an H100 node's all-reduce takes that time. A device whose links run at
// another rate (an override here) keeps the plan's prediction.
TEST(MeasuredCollectives, AnH100NodeTakesItsSiblingsRows) {
  const std::string h100 =
      test::replace(test::kSmallTraining, "device: A100-SXM4-80GB", "device: H100-SXM5-80GB");
  const std::vector<int> node0{0, 1, 2, 3, 4, 5, 6, 7};
  const auto ar = price(h100, node0, CollectiveOp::kAllReduce, 64LL << 20);
  EXPECT_EQ(ar.algorithm, "measured");
  EXPECT_EQ(ar.time, Duration::ns(338920));
  const std::string slower =
      test::replace(h100, "device: H100-SXM5-80GB",
                    "device: H100-SXM5-80GB\n  device_overrides: { link_bandwidth: \"300 GB/s\" }");
  EXPECT_NE(price(slower, node0, CollectiveOp::kAllReduce, 64LL << 20).algorithm, "measured");
}

}  // namespace
}  // namespace orrery::models::measured_collectives_test
