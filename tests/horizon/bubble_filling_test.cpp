// Bubble filling: fillers go only into idle gaps, so the iteration cannot get
// longer; first fit in order; a gap smaller than the smallest filler stays
// empty; and on a simulated pipeline the iteration time is the same with and
// without K-FAC in the bubbles.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/run/simulation.hpp"
#include "sim/horizon/bubble_filling.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::horizon {
namespace {

Time at(std::int64_t us) { return Time::zero() + Duration::us(us); }

TEST(BubbleFilling, FirstFitIntoGapsAndSmallGapsStayEmpty) {
  // Busy [0,10) [12,20) [25,30) of 30 us: gaps [10,12) (2 us) and [20,25) (5 us).
  DeviceFill d;
  d.device = 0;
  d.busy = {{at(0), at(10)}, {at(12), at(20)}, {at(25), at(30)}};
  d.fillers = {{"a", Duration::us(3), false}, {"b", Duration::us(3), true}, {"c", Duration::us(2), true}};
  const FillResult r = fill_bubbles({d}, at(30));
  // a → [20,23); b (3 us) fits nowhere now (2 us left in each gap); c → [10,12), the first gap it fits.
  ASSERT_EQ(r.placed.size(), 2U);
  EXPECT_EQ(r.placed[0].filler, 0U);
  EXPECT_EQ(r.placed[0].start, at(20));
  EXPECT_EQ(r.placed[0].end, at(23));
  EXPECT_EQ(r.placed[1].filler, 2U);
  EXPECT_EQ(r.placed[1].start, at(10));
  EXPECT_DOUBLE_EQ(r.unplaced_s, 3e-6);
  EXPECT_DOUBLE_EQ(r.refreshes_per_iteration, 2.0 / 5.0);  // 2 us of the 5 us of refresh work placed
  EXPECT_DOUBLE_EQ(r.utilization_before, 23.0 / 30.0);
  EXPECT_DOUBLE_EQ(r.utilization_after, 28.0 / 30.0);
}

TEST(BubbleFilling, AGapSmallerThanEveryFillerStaysEmpty) {
  DeviceFill d;
  d.busy = {{at(0), at(10)}, {at(11), at(20)}};  // one 1 us gap
  d.fillers = {{"x", Duration::us(2), false}};
  const FillResult r = fill_bubbles({d}, at(20));
  EXPECT_TRUE(r.placed.empty());
  EXPECT_DOUBLE_EQ(r.utilization_after, r.utilization_before);
  EXPECT_DOUBLE_EQ(r.smallest_gap_s, 1e-6);
}

TEST(BubbleFilling, PlacedWorkNeverOverlapsWhatRan) {
  // Random-looking busy intervals on 3 devices and fillers of assorted sizes:
  // every placed filler lies inside [0, T) and outside every busy interval.
  std::vector<DeviceFill> devices(3);
  for (int k = 0; k < 3; ++k) {
    devices[static_cast<std::size_t>(k)].device = k;
    for (int i = 0; i < 20; ++i) {
      const std::int64_t s = (i * 37 + k * 11) % 400;
      devices[static_cast<std::size_t>(k)].busy.push_back({at(s), at(s + 5 + (i * 7) % 13)});
    }
    for (int i = 0; i < 30; ++i) devices[static_cast<std::size_t>(k)].fillers.push_back({"f", Duration::us(1 + i % 6), i % 2 == 0});
  }
  const FillResult r = fill_bubbles(devices, at(420));
  ASSERT_FALSE(r.placed.empty());
  for (const auto& p : r.placed) {
    EXPECT_GE(p.start, at(0));
    EXPECT_LE(p.end, at(420));
    for (const auto& b : devices[static_cast<std::size_t>(p.device)].busy) {
      EXPECT_TRUE(p.end <= b.start || p.start >= b.end) << "device " << p.device;
    }
    for (const auto& q : r.placed) {
      if (&q != &p && q.device == p.device) {
        EXPECT_TRUE(p.end <= q.start || p.start >= q.end);
      }
    }
  }
}

TEST(BubbleFilling, KfacInTheBubblesLeavesTheIterationAlone) {
  // PipeFisher's claim is that K-FAC rides in the bubbles: the simulated
  // iteration is the same with and without it, and utilization goes up.
  const std::string base = R"(
cluster:
  nodes: 1
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 4, bandwidth: "300 GB/s", nics: 4, nic_bandwidth: "200 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 8 }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 24, hidden: 1024, heads: 16, vocab: 30522, seq_len: 128 }
  parallel: { pp: 4 }
  training: { global_batch: 32, micro_batch: 8, schedule: gpipe }
)";
  const run::Catalog catalog;
  const auto plain = run::simulate(run::parse_scenario(catalog, base, "a.yaml", {}, std::nullopt));
  const auto filled = run::simulate(
      run::parse_scenario(catalog, base + "policies: { bubble_filling: { kind: kfac } }\n", "b.yaml", {}, std::nullopt));
  EXPECT_EQ(test::number(plain, "iteration_time_s"), test::number(filled, "iteration_time_s"));
  EXPECT_GT(test::number(filled, "utilization_after"), test::number(filled, "utilization_before"));
  EXPECT_GT(test::number(filled, "kfac_refreshes_per_iteration"), 0);
}

}  // namespace
}  // namespace orrery::horizon
