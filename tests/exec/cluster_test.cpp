// The cluster the executor runs on: its API (device count, shape, endpoints,
// routes through the composed graph), the single-device-on-a-chain case that
// the quickstart uses (link for link the chain alone, so its numbers cannot
// change), rails, and errors found only when the network is built.
#include <gtest/gtest.h>

#include "sim/run/scenario.hpp"
#include "sim/run/simulation.hpp"
#include "sim/exec/cluster.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec {
namespace {

run::Scenario scenario(const std::string& cluster) {
  const run::Catalog catalog;
  const std::string text = cluster +
                           "workload:\n  kind: pipeline\n  stages: 4\n  micro_batches: 8\n"
                           "  compute: {model: profiled, forward: 1 ms, backward: 2 ms}\n";
  return run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
}

std::vector<std::string> names(const topo::Topology& t, const std::vector<LinkId>& r) {
  std::vector<std::string> out;
  for (LinkId l : r) out.push_back(t.link_name(l));
  return out;
}

TEST(Cluster, SingleDevicesOnAChainAreTheChainLinkForLink) {
  topo::ChainParams p;
  p.link_bandwidth = parse_bandwidth("50 GB/s");
  p.link_latency = Duration::us(5);
  const Cluster c(
      ClusterSpec{4, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<topo::ChainSpec>(p)});
  const auto chain = topo::ChainSpec(p).build(4);
  ASSERT_EQ(c.network().links().size(), chain->links().size());
  for (std::size_t i = 0; i < chain->links().size(); ++i) {
    const LinkId id(static_cast<std::int32_t>(i));
    EXPECT_EQ(c.network().link_name(id), chain->link_name(id));
    EXPECT_EQ(c.network().link(id).bandwidth, chain->link(id).bandwidth);
    EXPECT_EQ(c.network().link(id).latency, chain->link(id).latency);
  }
  std::vector<LinkId> a, b;
  c.network().route(c.endpoint_of(DeviceId(0)), c.endpoint_of(DeviceId(3)), a);
  chain->route(0, 3, b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(names(c.network(), a), (std::vector<std::string>{"d0->d1", "d1->d2", "d2->d3"}));
}

TEST(Cluster, QuickstartIterationTimeIsUnchanged) {
  // The value the quickstart gave before clusters were composed (a 4-stage
  // 1F1B pipeline with 676 us transfers per hop; scenarios/quickstart.yaml).
  const run::Catalog catalog;
  const auto s =
      run::load_scenario(catalog, ORRERY_SOURCE_DIR "/scenarios/quickstart.yaml", {}, std::nullopt);
  const auto out = run::simulate(s);
  const Summary::Value* t = out.recorder->summary().find("iteration_time_s");
  ASSERT_NE(t, nullptr);
  EXPECT_DOUBLE_EQ(std::get<double>(*t), 0.043817424);
}

TEST(Cluster, DesignExampleComposesNodesNicsAndFatTree) {
  // DESIGN.md's cluster: 384 DGX-A100-like nodes, a 3-level fat tree of radix
  // 40 whose link bandwidth defaults to the NICs' 200 Gb/s.
  const auto s = scenario(
      "cluster:\n  nodes: 384\n  node: {kind: nvswitch, devices: 8, bandwidth: \"300 GB/s\", nics: 8, "
      "nic_bandwidth: \"200 Gb/s\"}\n  scale_out: {kind: fat_tree, levels: 3, radix: 40, link_latency: \"700 "
      "ns\"}\n");
  const Cluster c(s.cluster);
  EXPECT_EQ(c.device_count(), 3072);
  EXPECT_EQ(c.shape().devices_per_node, 8);
  EXPECT_EQ(c.endpoint_of(DeviceId(9)), 9);
  const topo::Topology& net = c.network();
  std::vector<LinkId> r;
  net.route(9, 12, r);  // node 1, devices 1 and 4: through the node's NVSwitch
  EXPECT_EQ(names(net, r), (std::vector<std::string>{"n1.gpu1->n1.nvswitch", "n1.nvswitch->n1.gpu4"}));
  r.clear();
  net.route(0, 8, r);  // node 0 to node 1, device 0 each: NIC 0 of each, leaf 0 (20 NICs a leaf)
  EXPECT_EQ(names(net, r), (std::vector<std::string>{"n0.gpu0->n0.nic0", "n0.nic0->leaf0", "leaf0->n1.nic0",
                                                     "n1.nic0->n1.gpu0"}));
  EXPECT_DOUBLE_EQ(net.link(r[1]).bandwidth.bytes_per_s(), 25e9);
  EXPECT_EQ(net.link(r[1]).latency, Duration::ns(700));
}

TEST(Cluster, RailsAreSeparateNetworks) {
  // 5 nodes, 8 GPUs, 4 NICs on rails: 4 copies of a fat tree of 5 endpoints
  // (radix 4: 3 leaves, 2 spines). Device 1 (node 0, NIC 0) to device 14 (node
  // 1, local 6, NIC 3) crosses node 0's fabric to its NIC 3, then rail 3.
  const auto s = scenario(
      "cluster:\n  nodes: 5\n  node: {kind: nvswitch, bandwidth: 300 GB/s, nics: 4, "
      "nic_bandwidth: 200 Gb/s, rail_optimized: true}\n"
      "  scale_out: {kind: fat_tree, levels: 2, radix: 4}\n");
  const Cluster c(s.cluster);
  EXPECT_EQ(c.graph().rails(), 4);
  int switches = 0;
  for (const auto& v : c.network().vertices()) switches += v.kind == topo::VertexKind::kSwitch ? 1 : 0;
  EXPECT_EQ(switches, 5 + 4 * 5);
  std::vector<LinkId> r;
  c.network().route(1, 14, r);
  EXPECT_EQ(names(c.network(), r),
            (std::vector<std::string>{"n0.gpu1->n0.nvswitch", "n0.nvswitch->n0.gpu6", "n0.gpu6->n0.nic3",
                                      "n0.nic3->rail3.leaf0", "rail3.leaf0->n1.nic3", "n1.nic3->n1.gpu6"}));
}

TEST(ClusterInvalid, SizesAreCheckedWhereTheScenarioSaysThem) {
  const run::Catalog catalog;
  try {
    (void)scenario(
        "cluster:\n  nodes: 30\n  node: {kind: single}\n  scale_out: {kind: hammingmesh, board: [2, 2], "
        "boards: [2, 2], radix: 16, link_bandwidth: 1 GB/s}\n");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "s.yaml:4:57: error: cluster.scale_out.boards: an Hx2×2Mesh on 2 × 2 boards has 16 "
                 "accelerators, but the network must join 30 endpoints (30 nodes × 1 NIC)");
  }
}

TEST(ClusterInvalid, ADisconnectedNodeIsReportedAtItsSection) {
  const auto s = scenario(
      "cluster:\n  nodes: 4\n  node: {kind: xgmi, devices: 4, links: [[0, 1], [1, 2]], "
      "nic_bandwidth: 25 GB/s}\n  scale_out: {kind: torus, dims: [4]}\n");
  try {
    const Cluster c(s.cluster);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(
        e.what(),
        "s.yaml:3:9: error: cluster.node: the xgmi network is disconnected: endpoint 3 (gcd3) cannot "
        "be reached from endpoint 0 (gcd0)");
  }
}

}  // namespace
}  // namespace orrery::exec
