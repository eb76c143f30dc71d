// Building and routing large networks: a 16,384-endpoint 3-level fat tree
// (radix 48: 683 leaves of 24, 29 pods, 696 aggregation and 576 core
// switches), a 16,384-accelerator Hx4Mesh (4 × 4 boards on a 32 × 32 grid,
// radix 64: each row and column tree a leaf-spine of 8 leaves and 32 spines),
// and a 16,384-GPU cluster (2,048 NVSwitch nodes with 8 NICs each on the same
// fat tree). BM_Build* time one construction (graph, Boost graph and the
// connectivity check); BM_Route* time routing 100,000 (src, dst) pairs drawn
// once from a fixed seed, items_per_second being routes per second. Every
// benchmark reports the process's peak resident memory so far
// (getrusage ru_maxrss) as max_rss_MiB; the target is under 1 GiB.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <random>

#include "topologies/cluster_graph.hpp"
#include "topologies/fat_tree.hpp"
#include "topologies/hammingmesh.hpp"
#include "topologies/node_nvswitch.hpp"

namespace orrery::topo {
namespace {

constexpr int kEndpoints = 16384;
constexpr int kPairs = 100000;

double max_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

FatTreeParams fat_tree_params() {
  FatTreeParams p;
  p.levels = 3;
  p.radix = 48;
  p.link_bandwidth = parse_bandwidth("400 Gb/s");
  p.link_latency = Duration::ns(500);
  p.oversubscription = {1, 1};
  return p;
}

HammingMeshParams hx4mesh_params() {
  HammingMeshParams p;
  p.a = p.b = 4;
  p.x = p.y = 32;
  p.radix = 64;
  p.link_bandwidth = parse_bandwidth("400 Gb/s");
  p.board_link_latency = p.tree_link_latency = Duration::ns(40);
  return p;
}

std::unique_ptr<Topology> fat_tree() {
  return FatTreeSpec(fat_tree_params()).build(kEndpoints);
}
std::unique_ptr<Topology> hx4mesh() {
  return HammingMeshSpec(hx4mesh_params()).build(kEndpoints);
}
std::unique_ptr<Topology> cluster() {
  NvSwitchParams n;
  n.bandwidth = parse_bandwidth("300 GB/s");
  n.nic.nics = 8;
  n.nic.bandwidth = parse_bandwidth("200 Gb/s");
  const NvSwitchNode node(n);
  const int nodes = kEndpoints / 8;
  return std::make_unique<ClusterGraph>(
      nodes, node.build(), FatTreeSpec(fat_tree_params()).build(scale_out_context(nodes, node)), false);
}

template <class Make>
void build(benchmark::State& state, Make make) {
  for (auto _ : state) {
    auto t = make();
    benchmark::DoNotOptimize(t->links().data());
  }
  state.counters["max_rss_MiB"] = max_rss_mib();
}

template <class Make>
void route(benchmark::State& state, Make make) {
  const auto t = make();
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<int> pick(0, t->endpoint_count() - 1);
  std::vector<std::pair<int, int>> pairs(kPairs);
  for (auto& [s, d] : pairs) {
    s = pick(rng);
    d = pick(rng);
  }
  std::vector<LinkId> r;
  std::int64_t hops = 0;
  for (auto _ : state) {
    for (const auto& [s, d] : pairs) {
      r.clear();
      t->route(s, d, r);
      hops += static_cast<std::int64_t>(r.size());
    }
    benchmark::DoNotOptimize(hops);
  }
  state.SetItemsProcessed(state.iterations() * kPairs);
  state.counters["links"] = static_cast<double>(t->links().size());
  state.counters["max_rss_MiB"] = max_rss_mib();
}

void BM_BuildFatTree16k(benchmark::State& s) {
  build(s, fat_tree);
}
void BM_BuildHx4Mesh16k(benchmark::State& s) {
  build(s, hx4mesh);
}
void BM_BuildCluster16kGpus(benchmark::State& s) {
  build(s, cluster);
}
void BM_RouteFatTree16k(benchmark::State& s) {
  route(s, fat_tree);
}
void BM_RouteHx4Mesh16k(benchmark::State& s) {
  route(s, hx4mesh);
}
void BM_RouteCluster16kGpus(benchmark::State& s) {
  route(s, cluster);
}

BENCHMARK(BM_BuildFatTree16k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildHx4Mesh16k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildCluster16kGpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteFatTree16k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteHx4Mesh16k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteCluster16kGpus)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orrery::topo
