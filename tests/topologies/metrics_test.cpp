// Topology metrics against closed forms and hand counts. Bisection bandwidth
// is the max flow (Boost push-relabel) from endpoints [0, N/2) to [N/2, N);
// every expected value below is derived by hand in its comment. Links are
// 1 GB/s = 1e9 B/s unless stated.
#include <gtest/gtest.h>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::topo_text;

constexpr double kGB = 1e9;

double bisection(const std::string& text) {
  const auto spec = build_spec(text);
  return bisection_bandwidth(spec.network()).bytes_per_s();
}

TEST(Bisection, NonBlockingFatTreeHasFullBisection) {
  // Full bisection: N/2 endpoints each send at their link rate.
  // 2 levels, radix 8: 8 leaves of 4 = 32 endpoints -> 16 links.
  EXPECT_DOUBLE_EQ(bisection(topo_text(32, "{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 1 GB/s}")),
                   16 * kGB);
  // 3 levels, radix 4 (k³/4 = 16 endpoints) -> 8 links.
  EXPECT_DOUBLE_EQ(bisection(topo_text(16, "{kind: fat_tree, levels: 3, radix: 4, link_bandwidth: 1 GB/s}")),
                   8 * kGB);
  // Any endpoint count: 100 on radix 8 (25 leaves, 7 pods, the last with one
  // leaf; leaf 12 holds endpoints 48..51 of both halves) -> 50 links.
  EXPECT_DOUBLE_EQ(bisection(topo_text(100, "{kind: fat_tree, levels: 3, radix: 8, link_bandwidth: 1 GB/s}")),
                   50 * kGB);
}

TEST(Bisection, TwoToOneTaperedFatTreeHasHalf) {
  // Radix 12 at 2:1: leaves have 8 down and round(12/3) = 4 up. 64 endpoints
  // = 8 leaves; the first half is leaves 0-3, whose 4 × 4 = 16 uplinks carry
  // everything it sends: 16 links = half of the full 32.
  EXPECT_DOUBLE_EQ(bisection(topo_text(64,
                                       "{kind: fat_tree, levels: 2, radix: 12, oversubscription: 2, "
                                       "link_bandwidth: 1 GB/s}")),
                   16 * kGB);
  // 3 levels, 2:1 at the leaves only: 12 leaves of 8 in 2 pods of 6; the
  // first half is pod 0: 6 leaves × 4 uplinks = 24 links = half of 48.
  EXPECT_DOUBLE_EQ(bisection(topo_text(96,
                                       "{kind: fat_tree, levels: 3, radix: 12, oversubscription: '2:1', "
                                       "link_bandwidth: 1 GB/s}")),
                   24 * kGB);
}

TEST(Bisection, FourToThreeTaperedFatTreeKeeps75Percent) {
  // Radix 14 at 4:3: round(14 / (7/3)) = 6 up and 8 down, exactly 4:3. 64
  // endpoints = 8 leaves; leaves 0-3 send through 4 × 6 = 24 uplinks: 75% of 32.
  EXPECT_DOUBLE_EQ(bisection(topo_text(64, "{kind: fat_tree, levels: 2, radix: 14, oversubscription: '4:3', "
                                           "link_bandwidth: 1 GB/s}")),
                   24 * kGB);
}

TEST(Bisection, TorusRingCutInHalfCrossesEachRingTwice) {
  // Halving a ring of k cuts it in two places (the middle and the wraparound),
  // so the cut has 2 × (N/k) links, N/k being the rings of that dimension.
  // Endpoint order makes the last dimension the one halved.
  EXPECT_DOUBLE_EQ(bisection(topo_text(8, "{kind: torus, dims: [8], link_bandwidth: 1 GB/s}")), 2 * kGB);
  // [4, 4, 6]: N/k = 16 rings of the last dimension -> 32 links.
  EXPECT_DOUBLE_EQ(bisection(topo_text(96, "{kind: torus, dims: [4, 4, 6], link_bandwidth: 1 GB/s}")),
                   32 * kGB);
  // A mesh has no wraparound: one crossing per line, 4 lines of the last dimension.
  EXPECT_DOUBLE_EQ(
      bisection(topo_text(24, "{kind: torus, dims: [4, 6], wraparound: false, link_bandwidth: 1 GB/s}")),
      4 * kGB);
}

TEST(Bisection, HypercubesByHand) {
  // A binary n-cube (a torus of 2s, one link per pair) halved across its last
  // dimension is cut in N/2 links: 4 for the 3-cube, 8 for the 4-cube.
  EXPECT_DOUBLE_EQ(bisection(topo_text(8, "{kind: torus, dims: [2, 2, 2], link_bandwidth: 1 GB/s}")),
                   4 * kGB);
  EXPECT_DOUBLE_EQ(bisection(topo_text(16, "{kind: torus, dims: [2, 2, 2, 2], link_bandwidth: 1 GB/s}")),
                   8 * kGB);
}

TEST(Bisection, SmallCasesByHand) {
  // A line of 5 halved after endpoint 1: one link crosses.
  EXPECT_DOUBLE_EQ(bisection(topo_text(5, "{kind: chain, link_bandwidth: 1 GB/s}")), 1 * kGB);
  // One leaf switch: each of the 2 endpoints of the first half sends on its own link.
  EXPECT_DOUBLE_EQ(bisection(topo_text(4, "{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 1 GB/s}")),
                   2 * kGB);
  // Dragonfly of 2 groups of 2 routers, 1 endpoint each, 1 global link per
  // router: the halves are the groups, joined by a·h = 2 global links of 3 GB/s.
  EXPECT_DOUBLE_EQ(
      bisection(topo_text(4,
                          "{kind: dragonfly, routers: 2, endpoints_per_router: 1, global_links: 1, "
                          "groups: 2, link_bandwidth: 100 GB/s, local_bandwidth: 10 GB/s, "
                          "global_bandwidth: 3 GB/s}")),
      6 * kGB);
}

TEST(Bisection, HammingMeshByHand) {
  // Hx1Mesh 4 × 4 (a 2D HyperX): the halves are board rows 0-1 and 2-3, so
  // only the 4 column switches carry flow; each accelerator has a north and a
  // south port on its column switch, so each switch takes 2 × 2 links from the
  // first half: 4 switches × 4 links = 16.
  EXPECT_DOUBLE_EQ(bisection(topo_text(16,
                                       "{kind: hammingmesh, board: [1, 1], boards: [4, 4], radix: 16, "
                                       "link_bandwidth: 1 GB/s}")),
                   16 * kGB);
  // Hx2Mesh on 2 × 2 boards: the first half is board row 0; each board has 2
  // north and 2 south ports on its column switch: 2 columns × 4 links = 8.
  EXPECT_DOUBLE_EQ(bisection(topo_text(16,
                                       "{kind: hammingmesh, board: [2, 2], boards: [2, 2], radix: 16, "
                                       "link_bandwidth: 1 GB/s}")),
                   8 * kGB);
}

TEST(Bisection, ClusterIsLimitedByTheNics) {
  // Two DGX-like nodes (8 GPUs, 8 NICs of 25 GB/s) on a non-blocking fat
  // tree: the halves are the nodes, so the 8 NICs of one node carry it all.
  EXPECT_DOUBLE_EQ(
      bisection("cluster:\n  nodes: 2\n  node: {kind: nvswitch, bandwidth: 300 GB/s, nics: 8, "
                "nic_bandwidth: 25 GB/s}\n  scale_out: {kind: fat_tree, levels: 2, radix: 16}\n"),
      8 * 25 * kGB);
}

TEST(RouteStats, FatTreeHopsCountedByHand) {
  // k = 4, 3 levels: from any endpoint, 1 other on its leaf (2 hops), 2 in its
  // pod on the other leaf (4 hops), 12 in other pods (6 hops):
  // average (2 + 8 + 72) / 15 = 82/15, diameter 6, 16 × 15 ordered pairs.
  const auto spec =
      build_spec(topo_text(16, "{kind: fat_tree, levels: 3, radix: 4, link_bandwidth: 1 GB/s}"));
  const RouteStats s = route_stats(spec.network());
  EXPECT_EQ(s.diameter, 6);
  EXPECT_DOUBLE_EQ(s.average_hops, 82.0 / 15.0);
  EXPECT_EQ(s.pairs, 240);
  EXPECT_FALSE(s.sampled);
}

TEST(RouteStats, RingOfFive) {
  // Each endpoint has two neighbours at 1 hop and two at 2: average 1.5.
  const auto spec = build_spec(topo_text(5, "{kind: torus, dims: [5], link_bandwidth: 1 GB/s}"));
  const RouteStats s = route_stats(spec.network());
  EXPECT_EQ(s.diameter, 2);
  EXPECT_DOUBLE_EQ(s.average_hops, 1.5);
}

TEST(Measure, CountsOfAKAryFatTree) {
  // k = 4: 5k²/4 = 20 switches; cables: 16 endpoint + 16 leaf-aggregation +
  // 16 aggregation-core = 48; every switch port used: 20 × 4 = 80.
  const auto spec =
      build_spec(topo_text(16, "{kind: fat_tree, levels: 3, radix: 4, link_bandwidth: 1 GB/s}"));
  const TopologyMetrics m = measure(spec.network());
  EXPECT_EQ(m.endpoints, 16);
  EXPECT_EQ(m.switches, 20);
  EXPECT_EQ(m.nics, 0);
  EXPECT_EQ(m.links, 96);
  EXPECT_EQ(m.cables, 48);
  EXPECT_EQ(m.switch_ports, 80);
}

TEST(Measure, ClusterCountsNics) {
  // 3 nodes × (8 GPUs + 1 NVSwitch + 4 NICs); the fat tree of 12 NIC
  // endpoints at radix 8 (4 down per leaf): 3 leaves and 4 spines.
  const auto spec = build_spec(
      "cluster:\n  nodes: 3\n  node: {kind: nvswitch, bandwidth: 300 GB/s, nics: 4, "
      "nic_bandwidth: 25 GB/s}\n  scale_out: {kind: fat_tree, levels: 2, radix: 8}\n");
  const TopologyMetrics m = measure(spec.network());
  EXPECT_EQ(m.endpoints, 24);
  EXPECT_EQ(m.nics, 12);
  EXPECT_EQ(m.switches, 3 + 3 + 4);
  // Cables: per node 8 GPU-switch + 8 GPU-NIC (2 GPUs per NIC); 12 NIC-leaf; 3 × 4 leaf-spine.
  EXPECT_EQ(m.cables, 3 * 16 + 12 + 12);
}

}  // namespace
}  // namespace orrery::topo
