// The `file` topology kind against the built-in topologies it is written
// from: a network written as GraphML (graph_export) and read back is the same
// network — the same vertices and links in the same order, the same metrics
// (`orrery topo`'s report) — and its routes are those of the independent
// built-in rule where that rule is shortest-path ECMP (fat trees), the same
// lengths where it is another shortest rule (dimension order on a torus),
// and exactly the built-in's own with the routes written into the file.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/topologies/graphml_support.hpp"
#include "tests/topologies/spec_helpers.hpp"
#include "topologies/ecmp.hpp"
#include "topologies/file_topology.hpp"
#include "topologies/graph_export.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::topo_text;

std::string graphml_of(const Topology& t, const ExportOptions& options = {}) {
  std::ostringstream out;
  write_graphml(t, out, options);
  return out.str();
}

std::shared_ptr<const GraphmlNetwork> round_trip(const Topology& t, const ExportOptions& options = {}) {
  return parse_graphml_network(graphml_of(t, options), "rt.graphml", "topology.path");
}

void expect_same_graph(const Topology& a, const Topology& b) {
  ASSERT_EQ(a.vertices().size(), b.vertices().size());
  for (std::size_t v = 0; v < a.vertices().size(); ++v) {
    EXPECT_EQ(a.vertices()[v].name, b.vertices()[v].name) << v;
    EXPECT_EQ(a.vertices()[v].kind, b.vertices()[v].kind) << v;
  }
  ASSERT_EQ(a.links().size(), b.links().size());
  for (std::size_t l = 0; l < a.links().size(); ++l) {
    EXPECT_EQ(a.links()[l].src, b.links()[l].src) << l;
    EXPECT_EQ(a.links()[l].dst, b.links()[l].dst) << l;
    EXPECT_EQ(a.links()[l].bandwidth.bytes_per_s(), b.links()[l].bandwidth.bytes_per_s()) << l;
    EXPECT_EQ(a.links()[l].latency, b.links()[l].latency) << l;
  }
}

// What `orrery topo` prints, field by field.
void expect_same_metrics(const Topology& a, const Topology& b) {
  const TopologyMetrics x = measure(a), y = measure(b);
  EXPECT_EQ(x.endpoints, y.endpoints);
  EXPECT_EQ(x.switches, y.switches);
  EXPECT_EQ(x.nics, y.nics);
  EXPECT_EQ(x.links, y.links);
  EXPECT_EQ(x.cables, y.cables);
  EXPECT_EQ(x.switch_ports, y.switch_ports);
  EXPECT_EQ(x.routes.diameter, y.routes.diameter);
  EXPECT_EQ(x.routes.pairs, y.routes.pairs);
  EXPECT_DOUBLE_EQ(x.routes.average_hops, y.routes.average_hops);
  EXPECT_DOUBLE_EQ(x.bisection.bytes_per_s(), y.bisection.bytes_per_s());
}

std::vector<LinkId> route_of(const Topology& t, int a, int b) {
  std::vector<LinkId> r;
  t.route(a, b, r);
  return r;
}

TEST(FileTopology, FatTreesRoundTripWithTheSameRoutes) {
  // 2 levels, radix 8: 4 leaves of 4 endpoints under 4 spines (4 equal
  // paths between leaves); 3 levels, radix 4: 4 pods, 2 aggregation switches
  // each, 4 cores (4 equal paths between pods). FatTree::route picks spine
  // h mod u1 and core (h / u1) mod u2, which shortest-path ECMP reproduces.
  for (const char* shape : {"{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 400 Gb/s, link_latency: 700 ns}",
                            "{kind: fat_tree, levels: 3, radix: 4, link_bandwidth: 50 GB/s}"}) {
    SCOPED_TRACE(shape);
    const auto spec = build_spec(topo_text(16, shape));
    const Topology& built = spec.network();
    const FileTopology file(round_trip(built), FileRouting::kShortest);
    expect_same_graph(built, file);
    for (int a = 0; a < 16; ++a)
      for (int b = 0; b < 16; ++b) EXPECT_EQ(route_of(built, a, b), route_of(file, a, b)) << a << " -> " << b;
    expect_same_metrics(built, file);
  }
}

TEST(FileTopology, TorusRoundTripsWithRoutesOfTheSameLength) {
  // Dimension order and shortest-path ECMP are both minimal on a torus: each
  // pair's hop count is the sum of its ring distances either way.
  const auto spec = build_spec(topo_text(16, "{kind: torus, dims: [4, 4], link_bandwidth: 50 GB/s}"));
  const Topology& built = spec.network();
  const FileTopology file(round_trip(built), FileRouting::kShortest);
  expect_same_graph(built, file);
  for (int a = 0; a < 16; ++a)
    for (int b = 0; b < 16; ++b) EXPECT_EQ(route_of(built, a, b).size(), route_of(file, a, b).size());
  expect_same_metrics(built, file);
}

TEST(FileTopology, WrittenRoutesAreTheBuiltInRules) {
  const auto spec = build_spec(topo_text(16, "{kind: torus, dims: [4, 2, 2], link_bandwidth: 50 GB/s}"));
  const Topology& built = spec.network();
  const auto net = round_trip(built, {false, true});
  ASSERT_TRUE(net->has_routes());
  const FileTopology file(net, FileRouting::kGiven);
  for (int a = 0; a < 16; ++a)
    for (int b = 0; b < 16; ++b) EXPECT_EQ(route_of(built, a, b), route_of(file, a, b)) << a << " -> " << b;
  expect_same_metrics(built, file);
}

TEST(FileTopology, RoutesPastTheSizeReadBackAreRefused) {
  // Every route line is at least "e0 e1\n": with room for none, the first
  // pair (0 -> 1) is already past the limit; beyond 1,024 endpoints the
  // N·(N−1) lines are refused before any is routed.
  const auto spec = build_spec(topo_text(4, "{kind: chain, link_bandwidth: 1 GB/s}"));
  std::ostringstream out;
  ExportOptions options{false, true};
  options.max_route_bytes = 0;
  try {
    write_graphml(spec.network(), out, options);
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "--routes: the routes of these 4 endpoints take more than 0 bytes of text (past "
                                     "route 0 -> 1), more than a `file` topology reads back");
  }
  EXPECT_TRUE(out.str().empty());
  const auto big = build_spec(topo_text(1025, "{kind: chain, link_bandwidth: 1 GB/s}"));
  EXPECT_THROW(write_graphml(big.network(), out, {false, true}), ValueError);
}

TEST(FileTopology, EcmpPicksAmongEqualNextHopsByTheHash) {
  // a and b joined through s1 and through s2: two equal paths. Links in file
  // order: a-s1 0/1, a-s2 2/3, s1-b 4/5, s2-b 6/7. From a the choice is
  // ecmp_hash(src, dst) mod 2 among a->s1 (0) and a->s2 (2).
  using testing::edge;
  using testing::node;
  const std::string text = testing::graphml_text(node("a", "endpoint") + node("s1", "switch") +
                                                 node("s2", "switch") + node("b", "endpoint") + edge("a", "s1") +
                                                 edge("a", "s2") + edge("s1", "b") + edge("s2", "b"));
  const FileTopology file(parse_graphml_network(text, "d.graphml", "k"), FileRouting::kShortest);
  const bool via_s1 = ecmp_hash(0, 1) % 2 == 0;
  EXPECT_EQ(route_of(file, 0, 1), (std::vector<LinkId>{LinkId(via_s1 ? 0 : 2), LinkId(via_s1 ? 4 : 6)}));
  const bool back_via_s1 = ecmp_hash(1, 0) % 2 == 0;  // from b: b->s1 (5) or b->s2 (7)
  EXPECT_EQ(route_of(file, 1, 0), (std::vector<LinkId>{LinkId(back_via_s1 ? 5 : 7), LinkId(back_via_s1 ? 1 : 3)}));
}

TEST(FileTopology, AClusterReadsBackWithItsDevicesAsEndpoints) {
  // 2 nodes of 4 devices and 2 NICs on a fat tree: the file has 8 devices,
  // 4 NICs (pass-through vertices) and the node and fat-tree switches; the
  // max-flow bisection does not depend on routes, so it is the cluster's.
  const auto spec = build_spec(R"(cluster:
  nodes: 2
  node: {kind: nvswitch, devices: 4, bandwidth: 300 GB/s, nics: 2, nic_bandwidth: 200 Gb/s}
  scale_out: {kind: fat_tree, levels: 2, radix: 4}
)");
  const Topology& built = spec.network();
  const std::string text = graphml_of(built, {true, false});
  EXPECT_NE(text.find(">device<"), std::string::npos);
  EXPECT_NE(text.find(">nic<"), std::string::npos);
  const FileTopology file(parse_graphml_network(text, "c.graphml", "k"), FileRouting::kShortest);
  expect_same_graph(built, file);
  EXPECT_EQ(file.endpoint_count(), 8);
  EXPECT_EQ(measure(file).nics, 4);
  EXPECT_DOUBLE_EQ(bisection_bandwidth(file).bytes_per_s(), bisection_bandwidth(built).bytes_per_s());
}

TEST(FileTopology, DotListsEveryVertexAndCable) {
  // 2 levels, radix 4, 4 endpoints: 2 leaves, 2 spines; cables: 4 endpoint
  // links + 2 × 2 leaf-spine = 8, one undirected edge each. 500 ns is
  // fat_tree's default link_latency (topologies/fat_tree.cpp).
  const auto spec = build_spec(topo_text(4, "{kind: fat_tree, levels: 2, radix: 4, link_bandwidth: 1 GB/s}"));
  std::ostringstream out;
  write_dot(spec.network(), out, {});
  const std::string dot = out.str();
  EXPECT_EQ(dot.rfind("graph G {\n", 0), 0u);
  std::size_t edges = 0;
  for (std::size_t at = dot.find("--"); at != std::string::npos; at = dot.find("--", at + 2)) ++edges;
  EXPECT_EQ(edges, 8u);
  EXPECT_NE(dot.find("leaf0 [kind=switch, shape=box];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("e0--leaf0  [bandwidth=\"1 GB/s\", latency=\"500 ns\"];"), std::string::npos) << dot;
}

}  // namespace
}  // namespace orrery::topo
