// Routing properties of every registered topology and node kind, at several
// sizes (odd and non-power-of-two among them), and of composed clusters:
// for deterministically sampled (src, dst) pairs the route starts at src,
// ends at dst, is connected (each link's dst is the next link's src), visits
// no vertex twice and, for minimal routings, has exactly the hop count of a
// breadth-first search over the same graph (Topology::hop_distances, the
// independent reference). Dragonfly routing is minimal in global hops
// (local, global, local), not in total hops: there the test checks that
// structure and that the route is at most one hop longer than BFS. Composed
// clusters without rails and with several NICs per node route through the
// sending device's own NIC: there each leg must be BFS-minimal in its own
// template (fabric, scale-out, fabric).
#include <gtest/gtest.h>

#include <set>

#include "sim/run/topo_spec.hpp"
#include "topologies/cluster_graph.hpp"
#include "topologies/dragonfly.hpp"

namespace orrery::topo {
namespace {

enum class Expect { kMinimal, kDragonfly, kLegs };

struct Case {
  std::string name;
  std::string spec;  // an `orrery topo` spec
  Expect expect = Expect::kMinimal;
};

// Named in test output instead of a byte dump.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

run::TopoSpec build(const Case& c) {
  const run::Catalog catalog;
  return run::parse_topo_spec(catalog, c.spec, c.name + ".yaml");
}

std::string scale_out(int endpoints, const std::string& topology) {
  return "endpoints: " + std::to_string(endpoints) + "\ntopology: " + topology + "\n";
}

// A GraphML network that ships with the scenarios (the `file` kind).
std::string shipped_network() {
  return std::string(ORRERY_SOURCE_DIR) + "/scenarios/networks/leaf_spine_degraded.graphml";
}

const std::vector<Case>& scale_out_cases() {
  static const std::vector<Case> cases{
      {"chain_line", scale_out(6, "{kind: chain, link_bandwidth: 1 GB/s}")},
      {"chain_ring", scale_out(7, "{kind: chain, link_bandwidth: 1 GB/s, ring: true}")},
      {"fat_tree_2l_7", scale_out(7, "{kind: fat_tree, levels: 2, radix: 4, link_bandwidth: 1 GB/s}")},
      {"fat_tree_2l_tapered_13",
       scale_out(13, "{kind: fat_tree, levels: 2, radix: 6, oversubscription: 2, link_bandwidth: 1 GB/s}")},
      {"fat_tree_3l_16", scale_out(16, "{kind: fat_tree, levels: 3, radix: 4, link_bandwidth: 1 GB/s}")},
      {"fat_tree_3l_45", scale_out(45, "{kind: fat_tree, levels: 3, radix: 6, link_bandwidth: 1 GB/s}")},
      {"fat_tree_3l_tapered_100",
       scale_out(
           100,
           "{kind: fat_tree, levels: 3, radix: 8, oversubscription: [2, '3:2'], link_bandwidth: 1 GB/s}")},
      {"fat_tree_3l_sampled_1000",
       scale_out(1000, "{kind: fat_tree, levels: 3, radix: 16, link_bandwidth: 1 GB/s}")},
      {"torus_ring_5", scale_out(5, "{kind: torus, dims: [5], link_bandwidth: 1 GB/s}")},
      {"torus_4x3", scale_out(12, "{kind: torus, dims: [4, 3], link_bandwidth: 1 GB/s}")},
      {"torus_3x3x2", scale_out(18, "{kind: torus, dims: [3, 3, 2], link_bandwidth: 1 GB/s}")},
      {"hypercube_2x2x2", scale_out(8, "{kind: torus, dims: [2, 2, 2], link_bandwidth: 1 GB/s}")},
      {"torus_sampled_10x9x7", scale_out(630, "{kind: torus, dims: [10, 9, 7], link_bandwidth: 1 GB/s}")},
      {"mesh_4x5", scale_out(20, "{kind: torus, dims: [4, 5], wraparound: false, link_bandwidth: 1 GB/s}")},
      {"hx2mesh_3x3", scale_out(36,
                                "{kind: hammingmesh, board: [2, 2], boards: [3, 3], radix: 64, "
                                "link_bandwidth: 1 GB/s}")},
      {"hx1mesh_hyperx_5x3", scale_out(15,
                                       "{kind: hammingmesh, board: [1, 1], boards: [5, 3], radix: 16, "
                                       "link_bandwidth: 1 GB/s}")},
      {"hx4mesh_two_level_trees", scale_out(256,
                                            "{kind: hammingmesh, board: [4, 4], boards: [4, 4], radix: 16, "
                                            "link_bandwidth: 1 GB/s}")},
      {"hx3x2mesh_odd_two_level", scale_out(120,
                                            "{kind: hammingmesh, board: [3, 2], grid: [15, 8], radix: 12, "
                                            "link_bandwidth: 1 GB/s}")},
      {"hx2x7mesh_tall_boards", scale_out(84,
                                          "{kind: hammingmesh, board: [2, 7], boards: [3, 2], radix: 64, "
                                          "link_bandwidth: 1 GB/s}")},
      {"hx7x5mesh_wide_boards", scale_out(210,
                                          "{kind: hammingmesh, board: [7, 5], boards: [2, 3], radix: 64, "
                                          "link_bandwidth: 1 GB/s}")},
      {"hx2mesh_sampled_two_level", scale_out(680,
                                              "{kind: hammingmesh, board: [2, 2], grid: [34, 20], radix: 32, "
                                              "link_bandwidth: 1 GB/s}")},
      {"dragonfly_sampled_342",
       scale_out(342,
                 "{kind: dragonfly, routers: 6, endpoints_per_router: 3, "
                 "global_links: 3, link_bandwidth: 1 GB/s}"),
       Expect::kDragonfly},
      {"dragonfly_balanced_72",
       scale_out(72,
                 "{kind: dragonfly, routers: 4, endpoints_per_router: 2, "
                 "global_links: 2, link_bandwidth: 1 GB/s}"),
       Expect::kDragonfly},
      {"dragonfly_small_12",
       scale_out(12,
                 "{kind: dragonfly, routers: 3, endpoints_per_router: 1, global_links: 1, "
                 "link_bandwidth: 1 GB/s}"),
       Expect::kDragonfly},
      {"file_leaf_spine_degraded", "topology: {kind: file, path: " + shipped_network() + "}\n"},
      {"dragonfly_multi_link_partial_37",
       scale_out(37,
                 "{kind: dragonfly, routers: 4, endpoints_per_router: 2, "
                 "global_links: 3, groups: 5, link_bandwidth: 1 GB/s}"),
       Expect::kDragonfly},
  };
  return cases;
}

std::string cluster(int nodes, const std::string& node, const std::string& topology) {
  return "cluster:\n  nodes: " + std::to_string(nodes) + "\n  node: " + node + "\n  scale_out: " + topology +
         "\n";
}

const std::vector<Case>& cluster_cases() {
  static const std::vector<Case> cases{
      {"single_on_chain", cluster(4, "{kind: single}", "{kind: chain, link_bandwidth: 1 GB/s}")},
      {"nvswitch_8nic_fat_tree",
       cluster(6, "{kind: nvswitch, bandwidth: 300 GB/s, nics: 8, nic_bandwidth: 200 Gb/s}",
               "{kind: fat_tree, levels: 2, radix: 16}"),
       Expect::kLegs},
      {"nvswitch_sampled_3l_fat_tree",
       cluster(30,
               "{kind: nvswitch, bandwidth: 300 GB/s, nics: 8, "
               "nic_bandwidth: 200 Gb/s}",
               "{kind: fat_tree, levels: 3, radix: 12}"),
       Expect::kLegs},
      {"nvswitch_rails_fat_tree",
       cluster(5,
               "{kind: nvswitch, bandwidth: 300 GB/s, nics: 4, nic_bandwidth: 200 Gb/s, "
               "rail_optimized: true}",
               "{kind: fat_tree, levels: 2, radix: 4}")},
      {"nvswitch_one_nic_torus",
       cluster(6, "{kind: nvswitch, devices: 4, bandwidth: 300 GB/s, nic_bandwidth: 100 Gb/s}",
               "{kind: torus, dims: [3, 2]}")},
      {"xgmi_dragonfly",
       cluster(3, "{kind: xgmi, nics: 4, nic_bandwidth: 200 Gb/s}",
               "{kind: dragonfly, routers: 2, endpoints_per_router: 2, global_links: 1}"),
       Expect::kLegs},
      {"xgmi_partial_mesh_one_nic",
       cluster(3,
               "{kind: xgmi, devices: 5, links: [[0, 1, 2], [1, 2], [2, 3], [3, 4], "
               "[4, 0]], nic_bandwidth: 200 Gb/s}",
               "{kind: fat_tree, levels: 3, radix: 4}")},
      {"pcie_torus",
       cluster(3, "{kind: pcie, switches: 4, bandwidth: 32 GB/s, nics: 2, nic_bandwidth: 100 Gb/s}",
               "{kind: torus, dims: [3, 2]}"),
       Expect::kLegs},
      {"board_mesh_rails_hammingmesh",
       cluster(
           4,
           "{kind: board_mesh, board: [3, 2], link_bandwidth: 100 GB/s, nics: 2, nic_bandwidth: 100 Gb/s, "
           "rail_optimized: true}",
           "{kind: hammingmesh, board: [2, 1], boards: [2, 1], radix: 8}"),
       Expect::kLegs},
      {"nvswitch_2nic_file",
       cluster(4, "{kind: nvswitch, devices: 4, bandwidth: 300 GB/s, nics: 2, nic_bandwidth: 400 Gb/s}",
               "{kind: file, path: " + shipped_network() + "}"),
       Expect::kLegs},
      {"board_mesh_one_nic_dragonfly",
       cluster(7,
               "{kind: board_mesh, board: [2, 3], link_bandwidth: 100 GB/s, "
               "nic_bandwidth: 100 Gb/s}",
               "{kind: dragonfly, routers: 2, endpoints_per_router: 2, "
               "global_links: 1}"),
       Expect::kDragonfly},
  };
  return cases;
}

// Deterministic pairs: every pair up to 300 endpoints; beyond, 24 sources
// spread by a stride coprime-ish to n, each with 40 destinations from a fixed
// linear congruential sequence (Knuth's MMIX constants) plus its neighbours.
std::vector<std::pair<int, std::vector<int>>> sample_pairs(int n) {
  std::vector<std::pair<int, std::vector<int>>> out;
  if (n <= 300) {
    for (int s = 0; s < n; ++s) {
      std::vector<int> all;
      for (int t = 0; t < n; ++t) all.push_back(t);
      out.emplace_back(s, all);
    }
    return out;
  }
  std::uint64_t x = 12345;
  for (int k = 0; k < 24; ++k) {
    const int s = static_cast<int>((std::int64_t{k} * 7919 + k / 3) % n);
    std::vector<int> dst{(s + 1) % n, (s + n - 1) % n, n - 1 - s};
    for (int j = 0; j < 40; ++j) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      dst.push_back(static_cast<int>((x >> 33) % static_cast<std::uint64_t>(n)));
    }
    out.emplace_back(s, dst);
  }
  return out;
}

// Connected, from src to dst, no vertex twice.
void expect_path(const Topology& t, int s, int d, const std::vector<LinkId>& r, const std::string& what) {
  if (s == d) {
    EXPECT_TRUE(r.empty()) << what;
    return;
  }
  ASSERT_FALSE(r.empty()) << what;
  EXPECT_EQ(t.link(r.front()).src, t.endpoint(s)) << what;
  EXPECT_EQ(t.link(r.back()).dst, t.endpoint(d)) << what;
  std::set<std::int32_t> seen{t.link(r.front()).src.value()};
  for (std::size_t k = 0; k < r.size(); ++k) {
    if (k + 1 < r.size()) {
      EXPECT_EQ(t.link(r[k]).dst, t.link(r[k + 1]).src) << what << " at hop " << k;
    }
    EXPECT_TRUE(seen.insert(t.link(r[k]).dst.value()).second) << what << " revisits a vertex at hop " << k;
  }
}

// Local, global, local: at most one link between two groups, at most one local
// link on each side (dragonfly vertices are named g<group>.r<router>; in a
// cluster, that name follows the node's).
void expect_dragonfly_shape(const Topology& t, const std::vector<LinkId>& r, const std::string& what) {
  const auto group = [&](VertexId v) -> int {
    const std::string& name = t.vertices()[static_cast<std::size_t>(v.value())].name;
    if (name.size() < 2 || name[0] != 'g' || name.find(".r") == std::string::npos) return -1;
    return std::stoi(name.substr(1));
  };
  int global = 0, local = 0;
  for (LinkId l : r) {
    const int a = group(t.link(l).src), b = group(t.link(l).dst);
    if (a < 0 || b < 0) continue;
    (a == b ? local : global) += 1;
  }
  EXPECT_LE(global, 1) << what;
  EXPECT_LE(local, 2) << what;
}

int bfs_hops(const Topology& t, int s, int d) {
  return t.hop_distances(t.endpoint(s))[static_cast<std::size_t>(t.endpoint(d).value())];
}

void check(const Case& c) {
  const run::TopoSpec spec = build(c);
  const Topology& t = spec.network();
  const ClusterGraph* cg = spec.cluster ? &spec.cluster->graph() : nullptr;
  std::vector<LinkId> r;
  for (const auto& [s, dsts] : sample_pairs(t.endpoint_count())) {
    const std::vector<int> dist = t.hop_distances(t.endpoint(s));
    for (int d : dsts) {
      const std::string what = c.name + " " + std::to_string(s) + "->" + std::to_string(d);
      r.clear();
      t.route(s, d, r);
      expect_path(t, s, d, r, what);
      const int bfs = dist[static_cast<std::size_t>(t.endpoint(d).value())];
      const int hops = static_cast<int>(r.size());
      switch (c.expect) {
        case Expect::kMinimal:
          EXPECT_EQ(hops, bfs) << what;
          break;
        case Expect::kDragonfly:
          EXPECT_GE(hops, bfs) << what;
          EXPECT_LE(hops, bfs + 1) << what;
          expect_dragonfly_shape(t, r, what);
          break;
        case Expect::kLegs: {
          ASSERT_NE(cg, nullptr);
          const NodeFabric& f = cg->fabric();
          const int per = f.devices(), ns = s / per, nd = d / per;
          if (ns == nd) {
            EXPECT_EQ(hops, bfs_hops(f, s % per, d % per)) << what;
            break;
          }
          const int j = f.nic_of(d % per), i = cg->rails() > 1 ? j : f.nic_of(s % per);
          const int es = cg->rails() > 1 ? ns : ns * f.nics() + i,
                    ed = cg->rails() > 1 ? nd : nd * f.nics() + j;
          EXPECT_EQ(hops, bfs_hops(f, s % per, f.nic_endpoint(i)) + bfs_hops(cg->scale_out(), es, ed) +
                              bfs_hops(f, f.nic_endpoint(j), d % per))
              << what;
          EXPECT_GE(hops, bfs) << what;
          break;
        }
      }
    }
  }
}

// The registered name a spec selects: the word after its last "kind: ".
std::string kind_in(const std::string& spec) {
  const auto at = spec.rfind("kind: ") + 6;
  return spec.substr(at, spec.find_first_of(",}", at) - at);
}

TEST(RoutingProperty, EveryRegisteredKindHasCases) {
  const run::Catalog catalog;
  std::set<std::string> scale_out_kinds, node_kinds;
  for (const Case& c : scale_out_cases()) scale_out_kinds.insert(kind_in(c.spec));
  for (const Case& c : cluster_cases()) {
    node_kinds.insert(kind_in(c.spec.substr(0, c.spec.find("scale_out"))));
    scale_out_kinds.insert(kind_in(c.spec));
  }
  for (const std::string& kind : catalog.scale_out.names()) EXPECT_TRUE(scale_out_kinds.count(kind)) << kind;
  for (const std::string& kind : catalog.nodes.names()) EXPECT_TRUE(node_kinds.count(kind)) << kind;
}

class ScaleOutRouting : public ::testing::TestWithParam<Case> {};
TEST_P(ScaleOutRouting, RoutesAreConnectedAndMinimal) {
  check(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Topologies, ScaleOutRouting, ::testing::ValuesIn(scale_out_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

class ClusterRouting : public ::testing::TestWithParam<Case> {};
TEST_P(ClusterRouting, RoutesAreConnectedAndMinimalPerLeg) {
  check(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Clusters, ClusterRouting, ::testing::ValuesIn(cluster_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

TEST(RoutingProperty, EndpointsOutOfRangeAreRejected) {
  for (const Case& c : scale_out_cases()) {
    const auto spec = build(c);
    const Topology& t = spec.network();
    std::vector<LinkId> r;
    const int n = t.endpoint_count();
    EXPECT_THROW(t.route(-1, 0, r), ValueError) << c.name;
    EXPECT_THROW(t.route(0, n, r), ValueError) << c.name;
    try {
      t.route(n, 0, r);
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()), "endpoint out of range: " + std::to_string(n) +
                                           " -> 0 (the topology has " + std::to_string(n) + " endpoints)");
    }
  }
}

}  // namespace
}  // namespace orrery::topo
