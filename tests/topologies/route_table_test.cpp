// The route table: each (src, dst) pair is routed once and kept, with the
// topology's own route and latency Σ latency(l) over its links; the collective
// tuner's group routes read the same table as the network services.
#include <gtest/gtest.h>

#include <vector>

#include "models/collective/collective_cost.hpp"
#include "tests/topologies/spec_helpers.hpp"
#include "topologies/route_table.hpp"

namespace orrery::topo {
namespace {

using testing::build_spec;
using testing::topo_text;

TEST(RouteTable, KeepsTheTopologysRoutesAndTheirLatency) {
  // 3-level fat tree, radix 6, 45 endpoints, 500 ns links (fat_tree_test's shape).
  const auto built =
      build_spec(topo_text(45, "{kind: fat_tree, levels: 3, radix: 6, link_bandwidth: 1 GB/s, link_latency: 500 ns}"));
  const Topology& net = built.network();
  RouteTable table(net);
  // Every pair once (the index grows from 16 slots to 4096 on the way), then
  // again: each pair keeps its entry, and the entry is the topology's route.
  std::vector<std::uint32_t> first;
  for (int src = 0; src < 45; ++src)
    for (int dst = 0; dst < 45; ++dst) first.push_back(table.find(src, dst).index);
  std::vector<LinkId> expected;
  for (int src = 0; src < 45; ++src) {
    for (int dst = 0; dst < 45; ++dst) {
      expected.clear();
      net.route(src, dst, expected);
      const RouteTable::Found found = table.find(src, dst);
      const std::uint32_t i = found.index;
      EXPECT_EQ(i, first[static_cast<std::size_t>(src * 45 + dst)]);  // routed once: the same entry again
      // The probed slot's copy of the route is the route at its index.
      EXPECT_EQ(found.route.first, table.route(i).first);
      EXPECT_EQ(found.route.count, table.route(i).count);
      EXPECT_EQ(found.route.latency, table.route(i).latency);
      const auto links = table.links(table.route(i));
      ASSERT_EQ(links.size(), expected.size());
      for (std::size_t k = 0; k < links.size(); ++k) EXPECT_EQ(links[k], expected[k].value());
      Duration alpha;  // Σ latency(l) over the topology's own route
      for (LinkId l : expected) alpha += net.link(l).latency;
      EXPECT_EQ(table.route(i).latency, alpha);
    }
  }
}

TEST(RouteTable, GroupRoutesShareTheTable) {
  const auto built = build_spec(topo_text(8, "{kind: chain, link_bandwidth: 1 GB/s, link_latency: 2 us}"));
  RouteTable table(built.network());
  models::GroupRoutes group(table, {6, 2, 4});  // ranks 0, 1, 2 are endpoints 6, 2, 4
  // Rank 0 → rank 1 is endpoint 6 → 2 on a line: 4 hops, 8 us.
  EXPECT_EQ(group.route(0, 1).size(), 4u);
  EXPECT_EQ(group.latency(0, 1), Duration::us(8));
  // The group asked the shared table, which now holds that pair.
  EXPECT_EQ(table.links(table.between(6, 2)).data(), group.route(0, 1).data());
}

}  // namespace
}  // namespace orrery::topo
