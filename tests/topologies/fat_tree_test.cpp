// Fat trees: switch counts from the construction in fat_tree.hpp, port splits
// under oversubscription, ECMP spreading, and invalid parameters.
#include <gtest/gtest.h>

#include <set>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/fat_tree.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::spec_error;
using testing::topo_text;

int switches(const std::string& text) {
  return measure(build_spec(text).network()).switches;
}

TEST(FatTree, SwitchCountsForAnyEndpointCount) {
  // 2 levels, radix 4, 7 endpoints: ceil(7/2) = 4 leaves + 2 spines.
  EXPECT_EQ(switches(topo_text(7, "{kind: fat_tree, levels: 2, radix: 4, link_bandwidth: 1 GB/s}")), 6);
  // 3 levels, radix 6, 45 endpoints: 15 leaves of 3, 5 pods of 3 leaves, 3
  // aggregation switches per pod (15) and 3 × 3 cores: 39.
  EXPECT_EQ(switches(topo_text(45, "{kind: fat_tree, levels: 3, radix: 6, link_bandwidth: 1 GB/s}")), 39);
  // One leaf is enough for 3 endpoints on radix 6: no spine is built.
  EXPECT_EQ(switches(topo_text(3, "{kind: fat_tree, levels: 2, radix: 6, link_bandwidth: 1 GB/s}")), 1);
  // One pod (6 leaves of 4 on radix 8, 4 leaves per pod -> 2 pods; 16 endpoints -> 1 pod): no core.
  EXPECT_EQ(switches(topo_text(16, "{kind: fat_tree, levels: 3, radix: 8, link_bandwidth: 1 GB/s}")), 4 + 4);
}

TEST(FatTree, OversubscriptionSplitsThePorts) {
  FatTreeParams p;
  p.levels = 3;
  p.radix = 40;
  p.oversubscription = {2, 4.0 / 3.0};
  EXPECT_EQ(p.up_ports(0), 13);  // round(40 / 3) = 13 up, 27 down
  EXPECT_EQ(p.up_ports(1), 17);  // round(40 / (7/3)) = round(17.14) = 17
  EXPECT_EQ(p.capacity(), std::int64_t{40} * 23 * 27);
  p.oversubscription = {1, 1};
  EXPECT_EQ(p.capacity(), 40 * 40 * 40 / 4);  // k³/4 (Al-Fares et al. 2008)
}

TEST(FatTree, EcmpIsDeterministicAndUsesEveryUplink) {
  // 2 levels, radix 8: 4 spines. Routes from leaf 0 to leaf 1 should use all
  // 4, and the same pair always the same one.
  const auto spec = build_spec(topo_text(8, "{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 1 GB/s}"));
  const Topology& t = spec.network();
  std::set<std::int32_t> spines;
  for (int s = 0; s < 4; ++s) {
    for (int d = 4; d < 8; ++d) {
      std::vector<LinkId> a, b;
      t.route(s, d, a);
      t.route(s, d, b);
      EXPECT_EQ(a, b);
      ASSERT_EQ(a.size(), 4u);
      spines.insert(t.link(a[1]).dst.value());
    }
  }
  EXPECT_EQ(spines.size(), 4u);
}

TEST(FatTreeInvalid, Radix) {
  EXPECT_EQ(spec_error(topo_text(16, "{kind: fat_tree, levels: 3, radix: 7, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:46: error: topology.radix: must be even, at least 4 and at most 4096, got 7");
  EXPECT_EQ(spec_error(topo_text(16, "{kind: fat_tree, levels: 3, radix: 0, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:46: error: topology.radix: must be even, at least 4 and at most 4096, got 0");
  EXPECT_EQ(
      spec_error(topo_text(200, "{kind: fat_tree, levels: 3, radix: 8, link_bandwidth: 1 GB/s}")),
      "t.yaml:2:46: error: topology.radix: a 3-level fat tree of radix 8 joins at most 128 endpoints (8 pods "
      "× "
      "4 leaves × 4 endpoints), but the network must join 200 endpoints (endpoints: 200); raise the radix");
  EXPECT_EQ(spec_error(topo_text(40, "{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:46: error: topology.radix: a 2-level fat tree of radix 8 joins at most 32 endpoints (8 "
            "leaves × "
            "4 endpoints), but the network must join 40 endpoints (endpoints: 40); raise the radix or use "
            "levels: 3");
}

TEST(FatTreeInvalid, TooManyEndpoints) {
  EXPECT_EQ(spec_error(topo_text(2000000, "{kind: fat_tree, levels: 3, radix: 512, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:11: error: topology: the network must join 2000000 endpoints (endpoints: 2000000), more than "
            "the 1048576 orrery builds");
  EXPECT_EQ(spec_error(topo_text(16, "{kind: fat_tree, levels: 3, radix: 8192, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:46: error: topology.radix: must be even, at least 4 and at most 4096, got 8192");
  EXPECT_EQ(spec_error("cluster:\n  nodes: 200000\n  node: {kind: nvswitch, bandwidth: 300 GB/s, nic_bandwidth: 25 GB/s}\n"
                       "  scale_out: {kind: fat_tree, levels: 3, radix: 128}\n"),
            "t.yaml:2:10: error: cluster.nodes: 200000 nodes of 8 devices are more than the 1048576 devices orrery "
            "builds");
}

TEST(FatTreeInvalid, LevelsAndTapering) {
  EXPECT_EQ(spec_error(topo_text(16, "{kind: fat_tree, levels: 4, radix: 8, link_bandwidth: 1 GB/s}")),
            "t.yaml:2:36: error: topology.levels: must be 2 or 3, got 4");
  EXPECT_EQ(spec_error(topo_text(16,
                                 "{kind: fat_tree, levels: 3, radix: 8, oversubscription: 0.5, "
                                 "link_bandwidth: 1 GB/s}")),
            "t.yaml:2:67: error: topology.oversubscription: must be at least 1 (1 = non-blocking, 2 = 2:1 "
            "tapered), "
            "got 0.5");
  EXPECT_EQ(spec_error(topo_text(16,
                                 "{kind: fat_tree, levels: 3, radix: 8, oversubscription: [1, 2, 3], "
                                 "link_bandwidth: 1 GB/s}")),
            "t.yaml:2:67: error: topology.oversubscription: gives 3 ratios for 2 tiers below the top; give "
            "one (the "
            "leaves) or 2");
  EXPECT_EQ(spec_error(topo_text(16,
                                 "{kind: fat_tree, levels: 3, radix: 8, oversubscription: two, "
                                 "link_bandwidth: 1 GB/s}")),
            "t.yaml:2:67: error: topology.oversubscription: expected a ratio such as 2, 1.5 or \"4:3\", "
            "found 'two'");
  EXPECT_EQ(spec_error(topo_text(16,
                                 "{kind: fat_tree, levels: 3, radix: 8, oversubscription: 20, "
                                 "link_bandwidth: 1 GB/s}")),
            "t.yaml:2:67: error: topology.oversubscription: 20:1 leaves no up port on a switch of radix 8");
}

TEST(FatTreeInvalid, BandwidthNeededOutsideACluster) {
  EXPECT_EQ(spec_error(topo_text(40, "{kind: fat_tree, levels: 2, radix: 16}")),
            "t.yaml:2:11: error: topology.link_bandwidth: missing required key 'link_bandwidth' (it defaults "
            "to the "
            "nodes' nic_bandwidth only inside a cluster whose node kind has NICs)");
  EXPECT_EQ(spec_error(topo_text(40, "{kind: fat_tree, levels: 2, radix: 16, link_bandwidth: 0 GB/s}")),
            "t.yaml:2:66: error: topology.link_bandwidth: must be positive");
}

}  // namespace
}  // namespace orrery::topo
