// The Topology base: duplex link ids, the breadth-first reference router and
// hop distances, the Boost graph built at first use, range checks, and the
// connectivity check run by seal().
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "sim/core/error.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {
namespace {

// A hand-made graph: endpoints 0-1-2 in a line through a switch s between 1
// and 2, and, when `cut`, endpoint 3 with no link at all.
class Handmade final : public Topology {
 public:
  explicit Handmade(bool cut) {
    for (int i = 0; i < 3; ++i) add_vertex(VertexKind::kEndpoint, fmt::format("e{}", i));
    const VertexId s = add_vertex(VertexKind::kSwitch, "s");
    first_ = add_duplex(VertexId(0), VertexId(1), Bandwidth::bytes_per_s(1), Duration::ns(1));
    add_duplex(VertexId(1), s, Bandwidth::bytes_per_s(1), Duration::ns(1));
    add_duplex(s, VertexId(2), Bandwidth::bytes_per_s(1), Duration::ns(1));
    if (cut) add_vertex(VertexKind::kEndpoint, "lonely");
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "handmade"; }
  LinkId first_;
};

TEST(Topology, DuplexLinksAreConsecutive) {
  const Handmade t(false);
  EXPECT_EQ(t.first_.value(), 0);
  EXPECT_EQ(t.link(LinkId(0)).src.value(), 0);
  EXPECT_EQ(t.link(LinkId(1)).src.value(), 1);  // the way back
  EXPECT_EQ(t.link_name(LinkId(1)), "e1->e0");
}

TEST(Topology, BreadthFirstRouteAndDistances) {
  const Handmade t(false);
  std::vector<LinkId> r;
  t.route(0, 2, r);  // e0 -> e1 -> s -> e2
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(t.link_name(r[0]), "e0->e1");
  EXPECT_EQ(t.link_name(r[2]), "s->e2");
  const std::vector<int> d = t.hop_distances(t.endpoint(2));
  EXPECT_EQ(d, (std::vector<int>{3, 2, 0, 1}));
}

TEST(Topology, TheBoostGraphIsBuiltOnceAtFirstUseWithEveryLinkAsItsEdge) {
  // graph() is built at its first call (topology.hpp), here from four
  // threads at once: every thread must see the same graph, one edge per link
  // from its source to its destination carrying its id, and route e0 -> e2
  // over it as the line e0 -> e1 -> s -> e2.
  const Handmade t(false);
  std::vector<std::vector<LinkId>> routes(4);
  std::vector<const Graph*> seen(4, nullptr);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < 4; ++i) {
      threads.emplace_back([&t, &routes, &seen, i] {
        t.bfs_route(t.endpoint(0), t.endpoint(2), routes[i]);
        seen[i] = &t.graph();
      });
    }
  }
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i], &t.graph());
    ASSERT_EQ(routes[i].size(), 3u);
    EXPECT_EQ(t.link_name(routes[i][0]), "e0->e1");
    EXPECT_EQ(t.link_name(routes[i][1]), "e1->s");
    EXPECT_EQ(t.link_name(routes[i][2]), "s->e2");
  }
  const Graph& g = t.graph();
  ASSERT_EQ(boost::num_vertices(g), t.vertices().size());
  ASSERT_EQ(boost::num_edges(g), t.links().size());
  std::vector<int> found(t.links().size(), 0);
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const LinkId id = g[*e].link;
    ++found[static_cast<std::size_t>(id.value())];
    EXPECT_EQ(static_cast<std::int32_t>(boost::source(*e, g)), t.link(id).src.value());
    EXPECT_EQ(static_cast<std::int32_t>(boost::target(*e, g)), t.link(id).dst.value());
  }
  EXPECT_EQ(found, std::vector<int>(t.links().size(), 1));
}

TEST(Topology, EndpointsOutOfRange) {
  const Handmade t(false);
  std::vector<LinkId> r;
  try {
    t.route(0, 3, r);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "endpoint out of range: 0 -> 3 (the topology has 3 endpoints)");
  }
  EXPECT_THROW(t.route(-1, 0, r), ValueError);
}

TEST(Topology, SealRejectsADisconnectedGraph) {
  try {
    const Handmade t(true);
    FAIL();
  } catch (const InfeasibleError& e) {
    EXPECT_STREQ(
        e.what(),
        "the handmade network is disconnected: endpoint 3 (lonely) cannot be reached from endpoint 0 (e0)");
  }
}

}  // namespace
}  // namespace orrery::topo
