// Dragonfly: counts from the construction in dragonfly.hpp (after Kim et al.,
// ISCA 2008), the consecutive global wiring, and invalid parameters.
#include <gtest/gtest.h>

#include <map>

#include "tests/topologies/spec_helpers.hpp"
#include "topologies/metrics.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::spec_error;
using testing::topo_text;

std::string df(const std::string& params) {
  return "{kind: dragonfly, " + params + ", link_bandwidth: 1 GB/s}";
}

// The group of a router named g<group>.r<router>.
int group_of(const Topology& t, VertexId v) {
  return std::stoi(t.vertices()[static_cast<std::size_t>(v.value())].name.substr(1));
}

TEST(Dragonfly, BalancedCounts) {
  // a = 4, p = 2, h = 2: g = a·h + 1 = 9 groups, 36 routers, 72 endpoints;
  // cables: 72 endpoint, 9 × C(4, 2) = 54 local, C(9, 2) = 36 global.
  const TopologyMetrics m = measure(
      build_spec(topo_text(72, df("routers: 4, endpoints_per_router: 2, global_links: 2"))).network());
  EXPECT_EQ(m.switches, 36);
  EXPECT_EQ(m.cables, 72 + 54 + 36);
  EXPECT_EQ(m.routes.diameter, 5);  // endpoint, local, global, local, endpoint
}

TEST(Dragonfly, EveryGroupPairSharesTheSameNumberOfLinks) {
  // a·h = 12 ports, g = 5: ⌊12 / 4⌋ = 3 links between every pair of groups.
  const auto spec =
      build_spec(topo_text(40, df("routers: 4, endpoints_per_router: 2, global_links: 3, groups: 5")));
  const Topology& t = spec.network();
  std::map<std::pair<int, int>, int> pairs;
  for (const Link& l : t.links()) {
    const auto& a = t.vertices()[static_cast<std::size_t>(l.src.value())];
    const auto& b = t.vertices()[static_cast<std::size_t>(l.dst.value())];
    if (a.kind != VertexKind::kSwitch || b.kind != VertexKind::kSwitch) continue;
    const int ga = group_of(t, l.src), gb = group_of(t, l.dst);
    if (ga < gb) ++pairs[{ga, gb}];
  }
  // 5·4/2 = 10 group pairs (local links, within a group, are not counted).
  EXPECT_EQ(pairs.size(), 10u);
  for (const auto& [pair, count] : pairs) EXPECT_EQ(count, 3) << pair.first << "-" << pair.second;
}

TEST(DragonflyInvalid, Parameters) {
  EXPECT_EQ(spec_error(topo_text(12, df("routers: 2, endpoints_per_router: 2, global_links: 0, groups: 3"))),
            "t.yaml:2:91: error: topology.groups: 3 groups need 2 global ports per group to link every pair "
            "of groups "
            "once, but a·h = 2 × 0 = 0");
  EXPECT_EQ(spec_error(topo_text(100, df("routers: 2, endpoints_per_router: 2, global_links: 1"))),
            "t.yaml:2:11: error: topology.groups: 3 groups × 2 routers × 2 endpoints hold 12, but the "
            "network must join "
            "100 endpoints (endpoints: 100)");
  EXPECT_EQ(spec_error(topo_text(4, df("routers: 0, endpoints_per_router: 2, global_links: 1"))),
            "t.yaml:2:38: error: topology.routers: must be at least 1, got 0");
}

}  // namespace
}  // namespace orrery::topo
