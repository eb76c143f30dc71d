// Node fabrics: routes inside a node by each kind's rule, NIC sharing and
// attachment, link bandwidths, and invalid parameters. Each node is read from
// a `cluster:` spec of 2 nodes on a chain and taken from the built cluster.
#include <gtest/gtest.h>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/cluster_graph.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::spec_error;

std::string two_nodes(const std::string& node) {
  return "cluster:\n  nodes: 2\n  node: " + node + "\n  scale_out: {kind: chain, link_bandwidth: 1 GB/s}\n";
}

struct Built {
  run::TopoSpec spec;
  const NodeFabric& fabric() const { return spec.cluster->graph().fabric(); }
  std::vector<std::string> route(int s, int d) const {
    std::vector<LinkId> r;
    fabric().route(s, d, r);
    std::vector<std::string> out;
    for (LinkId l : r) out.push_back(fabric().link_name(l));
    return out;
  }
  double bandwidth_of_first(int s, int d) const {
    std::vector<LinkId> r;
    fabric().route(s, d, r);
    return fabric().link(r.front()).bandwidth.bytes_per_s();
  }
};

Built node(const std::string& n) {
  return Built{build_spec(two_nodes(n))};
}

using Names = std::vector<std::string>;

TEST(NvSwitch, AllToAllThroughTheSwitchAndSharedNics) {
  const Built b = node("{kind: nvswitch, bandwidth: 300 GB/s, nics: 4, nic_bandwidth: 200 Gb/s}");
  EXPECT_EQ(b.route(0, 5), (Names{"gpu0->nvswitch", "nvswitch->gpu5"}));
  EXPECT_DOUBLE_EQ(b.bandwidth_of_first(0, 5), 300e9);
  // NIC i serves devices [2i, 2i+1]: device 3 has its own link to NIC 1 (endpoint 8 + 1).
  EXPECT_EQ(b.fabric().nic_of(3), 1);
  EXPECT_EQ(b.route(3, 9), (Names{"gpu3->nic1"}));
  EXPECT_DOUBLE_EQ(b.bandwidth_of_first(3, 9), 25e9);  // 200 Gb/s
  // Device 0 reaches NIC 1 through the first device NIC 1 serves.
  EXPECT_EQ(b.route(0, 9), (Names{"gpu0->nvswitch", "nvswitch->gpu2", "gpu2->nic1"}));
}

TEST(Xgmi, Mi250xLikeDefaultWiring) {
  const Built b = node("{kind: xgmi, nics: 4, nic_bandwidth: 200 Gb/s}");
  // The two GCDs of a package: 4 links of 50 GB/s; across packages: one.
  EXPECT_EQ(b.route(0, 1), (Names{"gcd0->gcd1"}));
  EXPECT_DOUBLE_EQ(b.bandwidth_of_first(0, 1), 200e9);
  EXPECT_DOUBLE_EQ(b.bandwidth_of_first(0, 2), 50e9);
  // GCD 1 to GCD 2: no direct link; fewest hops, first-listed link first.
  EXPECT_EQ(b.route(1, 2), (Names{"gcd1->gcd0", "gcd0->gcd2"}));
  // NIC 1 hangs off GCD 2, the first it serves; GCD 3 reaches it through GCD 2.
  EXPECT_EQ(b.route(3, 9), (Names{"gcd3->gcd2", "gcd2->nic1"}));
}

TEST(Pcie, TreeRoutes) {
  const Built b = node("{kind: pcie, switches: 4, bandwidth: 32 GB/s, nics: 2, nic_bandwidth: 100 Gb/s}");
  EXPECT_EQ(b.route(0, 1), (Names{"gpu0->pcie0", "pcie0->gpu1"}));
  EXPECT_EQ(b.route(0, 2), (Names{"gpu0->pcie0", "pcie0->root", "root->pcie1", "pcie1->gpu2"}));
  // NIC 1 serves devices 4-7 and sits under device 4's switch, pcie2.
  EXPECT_EQ(b.route(5, 9), (Names{"gpu5->pcie2", "pcie2->nic1"}));
}

TEST(BoardMesh, DimensionOrderAndAnchoredNics) {
  const Built b =
      node("{kind: board_mesh, board: [3, 2], link_bandwidth: 100 GB/s, nics: 2, nic_bandwidth: 100 Gb/s}");
  // Device 5 is (2, 1); x first, then y.
  EXPECT_EQ(b.route(0, 5), (Names{"acc0.0->acc1.0", "acc1.0->acc2.0", "acc2.0->acc2.1"}));
  // NIC 1 serves devices 3-5 and hangs off device 3, (0, 1).
  EXPECT_EQ(b.route(5, 7), (Names{"acc2.1->acc1.1", "acc1.1->acc0.1", "acc0.1->nic1"}));
}

TEST(NodeInvalid, NicsMustShareDevicesEvenly) {
  EXPECT_EQ(
      spec_error(two_nodes("{kind: nvswitch, bandwidth: 300 GB/s, nics: 3, nic_bandwidth: 25 GB/s}")),
      "t.yaml:3:53: error: cluster.node.nics: 3 NICs cannot share 8 devices evenly; use a divisor of 8");
  EXPECT_EQ(spec_error(two_nodes("{kind: nvswitch, bandwidth: 300 GB/s, nics: 0, nic_bandwidth: 25 GB/s}")),
            "t.yaml:3:53: error: cluster.node.nics: must be at least 1, got 0");
  EXPECT_EQ(
      spec_error(two_nodes("{kind: nvswitch, bandwidth: 300 GB/s}")),
      "t.yaml:3:9: error: cluster.node.nic_bandwidth: missing required key 'nic_bandwidth' (per-direction "
      "bandwidth of each NIC)");
  EXPECT_EQ(spec_error(two_nodes("{kind: pcie, switches: 3, bandwidth: 32 GB/s, nic_bandwidth: 25 GB/s}")),
            "t.yaml:3:32: error: cluster.node.switches: 3 switches cannot share 8 devices evenly");
}

TEST(NodeInvalid, XgmiWiring) {
  EXPECT_EQ(spec_error(two_nodes("{kind: xgmi, devices: 4, links: [[0, 4]], nic_bandwidth: 25 GB/s}")),
            "t.yaml:3:41: error: cluster.node.links: entry 0 [0, 4]: GCDs are numbered 0 to 3");
  EXPECT_EQ(
      spec_error(two_nodes("{kind: xgmi, devices: 4, links: [[0, 1], [1, 1]], nic_bandwidth: 25 GB/s}")),
      "t.yaml:3:41: error: cluster.node.links: entry 1 [1, 1]: a GCD cannot link to itself");
  EXPECT_EQ(
      spec_error(two_nodes("{kind: xgmi, devices: 4, links: [[0, 1], [1, 0, 2]], nic_bandwidth: 25 GB/s}")),
      "t.yaml:3:41: error: cluster.node.links: entry 1 [1, 0, 2]: this pair is already wired");
  EXPECT_EQ(spec_error(two_nodes("{kind: xgmi, devices: 5, nic_bandwidth: 25 GB/s}")),
            "t.yaml:3:31: error: cluster.node.devices: the default wiring puts two GCDs on each package, so "
            "needs an "
            "even count, got 5; or give links:");
}

TEST(NodeInvalid, DisconnectedFabricIsFoundByBreadthFirstSearch) {
  // Nothing in the parameters is wrong one by one; the graph built from them
  // leaves GCDs 2 and 3 cut off from 0 and 1.
  EXPECT_EQ(
      spec_error(two_nodes("{kind: xgmi, devices: 4, links: [[0, 1], [2, 3]], nic_bandwidth: 25 GB/s}")),
      "t.yaml:3:9: error: cluster.node: the xgmi network is disconnected: endpoint 2 (gcd2) cannot be "
      "reached "
      "from endpoint 0 (gcd0)");
}

TEST(NodeInvalid, BoardMesh) {
  EXPECT_EQ(
      spec_error(two_nodes("{kind: board_mesh, board: [3], link_bandwidth: 1 GB/s, nic_bandwidth: 1 GB/s}")),
      "t.yaml:3:35: error: cluster.node.board: expected two sizes [a, b], each at least 1, at most 4096 "
      "devices in all; got [3]");
}

}  // namespace
}  // namespace orrery::topo
