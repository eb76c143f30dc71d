// Tori and meshes: link counts, dimension-order routes with the shorter way
// round each ring (ties: positive), and invalid parameters.
#include <gtest/gtest.h>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::spec_error;
using testing::topo_text;

std::vector<std::string> route_names(const Topology& t, int s, int d) {
  std::vector<LinkId> r;
  t.route(s, d, r);
  std::vector<std::string> out;
  for (LinkId l : r) out.push_back(t.link_name(l));
  return out;
}

TEST(Torus, CableCounts) {
  // One cable per endpoint per dimension of extent > 2, one per pair in a
  // dimension of extent 2: [3, 3, 2] -> 18 + 18 + 9 = 45.
  EXPECT_EQ(
      measure(build_spec(topo_text(18, "{kind: torus, dims: [3, 3, 2], link_bandwidth: 1 GB/s}")).network())
          .cables,
      45);
  // A 4 × 5 mesh: (4-1)·5 + 4·(5-1) = 31.
  EXPECT_EQ(measure(build_spec(topo_text(20,
                                         "{kind: torus, dims: [4, 5], wraparound: false, "
                                         "link_bandwidth: 1 GB/s}"))
                        .network())
                .cables,
            31);
}

TEST(Torus, DimensionOrderShorterWayRound) {
  // 4 × 4: endpoint i = x + 4y. From 0 (0,0) to 7 (3,1): x goes -1 round the
  // ring (3 is one hop back), then y +1.
  const auto spec = build_spec(topo_text(16, "{kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}"));
  EXPECT_EQ(route_names(spec.network(), 0, 7), (std::vector<std::string>{"e0->e3", "e3->e7"}));
  // A tie (2 hops either way on a ring of 4) goes the positive way.
  EXPECT_EQ(route_names(spec.network(), 0, 2), (std::vector<std::string>{"e0->e1", "e1->e2"}));
  // Without wraparound the way is fixed.
  const auto mesh =
      build_spec(topo_text(16, "{kind: torus, dims: [4, 4], wraparound: false, link_bandwidth: 1 GB/s}"));
  EXPECT_EQ(mesh.network().kind(), "mesh");
  EXPECT_EQ(route_names(mesh.network(), 0, 3).size(), 3u);
}

TEST(TorusInvalid, Dimensions) {
  EXPECT_EQ(spec_error(topo_text(1, "{kind: torus, dims: [], link_bandwidth: 1 GB/s}")),
            "t.yaml:2:31: error: topology.dims: needs at least one dimension");
  EXPECT_EQ(spec_error(topo_text(4, "{kind: torus, dims: [4, 1], link_bandwidth: 1 GB/s}")),
            "t.yaml:2:31: error: topology.dims: every dimension must be >= 2, got dims[1] = 1");
  EXPECT_EQ(spec_error(topo_text(4, "{kind: torus, dims: [0], link_bandwidth: 1 GB/s}")),
            "t.yaml:2:31: error: topology.dims: every dimension must be >= 2, got dims[0] = 0");
  EXPECT_EQ(spec_error(topo_text(4, "{kind: torus, dims: [4, x], link_bandwidth: 1 GB/s}")),
            "t.yaml:2:31: error: topology.dims: element 1: expected an integer, found 'x'");
}

TEST(TorusInvalid, EndpointCountMustMatch) {
  EXPECT_EQ(spec_error(topo_text(15, "{kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}")),
            "t.yaml:2:31: error: topology.dims: a torus of 4 × 4 = 16 endpoints does not fit: the network "
            "must join "
            "15 endpoints (endpoints: 15)");
  EXPECT_EQ(
      spec_error("cluster:\n  nodes: 30\n  node: {kind: nvswitch, bandwidth: 300 GB/s, nics: 2, "
                 "nic_bandwidth: 25 GB/s}\n  scale_out: {kind: torus, dims: [8, 8]}\n"),
      "t.yaml:4:34: error: cluster.scale_out.dims: a torus of 8 × 8 = 64 endpoints does not fit: the network "
      "must join 60 endpoints (30 nodes × 2 NICs)");
}

}  // namespace
}  // namespace orrery::topo
