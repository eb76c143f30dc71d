// HammingMesh: sizes from the construction in hammingmesh.hpp (after Hoefler
// et al., SC22), the row-then-column route, HyperX distances, and invalid
// parameters.
#include <gtest/gtest.h>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::spec_error;
using testing::topo_text;

std::string hm(const std::string& params) {
  return "{kind: hammingmesh, " + params + ", link_bandwidth: 1 GB/s}";
}

TEST(HammingMesh, Hx2MeshCounts) {
  // 2 × 2 boards on a 3 × 3 grid: 36 accelerators; 4 mesh cables per board
  // (36); every accelerator is a corner with one west/east and one
  // north/south port (72); row trees have 2·2·3 = 12 ports, one switch each,
  // as do column trees: 6 switches.
  const TopologyMetrics m =
      measure(build_spec(topo_text(36, hm("board: [2, 2], boards: [3, 3], radix: 64"))).network());
  EXPECT_EQ(m.endpoints, 36);
  EXPECT_EQ(m.switches, 6);
  EXPECT_EQ(m.cables, 36 + 72);
}

TEST(HammingMesh, TwoLevelTreesWhenTheRadixIsTooSmall) {
  // Hx4Mesh on 4 × 4 boards, radix 16: a row tree has 2·4·4 = 32 ports > 16;
  // a leaf's 8 down ports take one board's 8 edge ports, so 4 leaves and 8
  // spines; 4 row and 4 column trees: 8 × 12 = 96 switches.
  const TopologyMetrics m =
      measure(build_spec(topo_text(256, hm("board: [4, 4], boards: [4, 4], radix: 16"))).network());
  EXPECT_EQ(m.switches, 96);
  // Through a spine a crossing is 4 hops; diameter: 1 on board to the edge + 4
  // (row) + 4 (column) + 1 on board: 10.
  EXPECT_EQ(m.routes.diameter, 10);
}

TEST(HammingMesh, Hx1MeshIsA2DHyperX) {
  // Every pair is at most two switch hops apart: 4 links (row, then column).
  const RouteStats s =
      route_stats(build_spec(topo_text(15, hm("board: [1, 1], boards: [5, 3], radix: 16"))).network());
  EXPECT_EQ(s.diameter, 4);
}

TEST(HammingMesh, RowBeforeColumn) {
  // Hx2Mesh on 2 × 2 boards. From accelerator 0 (board 0,0 place 0,0) to 15
  // (board 1,1 place 1,1) both orders cost 4 hops (each end is on a west and
  // a north edge): the route takes the row tree first, to the corner of
  // board (1,0), then its column tree.
  const auto spec = build_spec(topo_text(16, hm("board: [2, 2], boards: [2, 2], radix: 16")));
  std::vector<LinkId> r;
  spec.network().route(0, 15, r);
  std::vector<std::string> names;
  for (LinkId l : r) names.push_back(spec.network().link_name(l));
  EXPECT_EQ(names, (std::vector<std::string>{"b0.0.a0.0->row0", "row0->b1.0.a0.0", "b1.0.a0.0->col1",
                                             "col1->b1.1.a1.1"}));
}

TEST(HammingMeshInvalid, BoardAndGrid) {
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4, 4], grid: [2, 8], radix: 16"))),
            "t.yaml:2:52: error: topology.grid: the board [4, 4] is larger than the grid [2, 8]");
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4, 4], grid: [6, 8], radix: 16"))),
            "t.yaml:2:52: error: topology.grid: the board width 4 does not divide the grid width 6");
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4, 4], grid: [8, 8], boards: [2, 2], radix: 16"))),
            "t.yaml:2:52: error: topology.grid: give boards or grid, not both");
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4, 4], radix: 16"))),
            "t.yaml:2:11: error: topology.boards: give the board grid as boards: [x, y], or the accelerator "
            "grid as "
            "grid: [X, Y]");
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4], boards: [4, 4], radix: 16"))),
            "t.yaml:2:38: error: topology.board: expected two sizes [across, down], got [4]");
  EXPECT_EQ(spec_error(topo_text(16, hm("board: [4, 0], boards: [4, 4], radix: 16"))),
            "t.yaml:2:38: error: topology.board: sizes must be at least 1, got [4, 0]");
}

TEST(HammingMeshInvalid, RadixAndSize) {
  EXPECT_EQ(spec_error(topo_text(256, hm("board: [4, 4], boards: [4, 4], radix: 8"))),
            "t.yaml:2:69: error: topology.radix: row trees: 32 ports do not fit one 8-port switch, and a "
            "leaf's 4 down "
            "ports cannot take one board's 8 edge ports");
  EXPECT_EQ(spec_error(topo_text(256, hm("board: [4, 4], boards: [4, 4], radix: 9"))),
            "t.yaml:2:69: error: topology.radix: must be even, at least 4 and at most 4096, got 9");
  EXPECT_EQ(spec_error(topo_text(60, hm("board: [4, 4], boards: [2, 2], radix: 16"))),
            "t.yaml:2:54: error: topology.boards: an Hx4×4Mesh on 2 × 2 boards has 64 accelerators, but the "
            "network "
            "must join 60 endpoints (endpoints: 60)");
}

}  // namespace
}  // namespace orrery::topo
