// The Topology base: duplex link ids, the breadth-first reference router and
// hop distances, range checks, and the connectivity check run by seal().
#include <fmt/format.h>
#include <gtest/gtest.h>

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
