// The `file` kind in scenarios and `orrery topo` specs: a built-in network
// written to a GraphML file and named by `scale_out: {kind: file, path: ...}`
// gives the same simulated times as the built-in itself on the traffic
// workload under the flow network (where routes matter: flows share links
// max-min), and a file that does not fit the cluster is a located error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/scenario_support.hpp"
#include "tests/topologies/spec_helpers.hpp"
#include "topologies/graph_export.hpp"

namespace orrery::topo {
namespace {

namespace fs = std::filesystem;

struct TempFolder {
  TempFolder() : path(fs::temp_directory_path() / ("orrery_file_topo_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempFolder() { fs::remove_all(path); }
  fs::path path;
};

// Writes the network of an `orrery topo` spec as GraphML to `file`.
void export_spec(const std::string& spec_text, const fs::path& file, bool routes) {
  const auto spec = testing::build_spec(spec_text);
  std::ofstream out(file);
  write_graphml(spec.network(), out, {false, routes});
}

// 16 single-device nodes on `scale_out`, the flow network, a permutation of
// 64 MiB flows and an all-to-all of 16 MiB at the same time.
std::string traffic(const std::string& scale_out) {
  return "seed: 3\ncluster:\n  nodes: 16\n  node: {kind: single}\n  scale_out: " + scale_out +
         "\nnetwork: {model: flow}\nworkload:\n  kind: traffic\n"
         "  flows:\n    - {pattern: permutation, bytes: 64 MiB}\n"
         "  collectives:\n    - {op: all_to_all, group: all, bytes: 16 MiB, algorithm: pairwise}\n";
}

void expect_same_run(const std::string& built_in, const std::string& file) {
  const auto a = test::run_text(traffic(built_in));
  const auto b = test::run_text(traffic(file));
  // Bit for bit: the same links and the same routes give the same max-min rates.
  EXPECT_EQ(test::number(a, "completion_time_s"), test::number(b, "completion_time_s"));
  EXPECT_EQ(test::numbers(a, "collective_time_s"), test::numbers(b, "collective_time_s"));
  EXPECT_GT(test::number(a, "completion_time_s"), 0);
}

TEST(FileTopologyRun, FatTreeFileRunsAsTheFatTree) {
  const TempFolder dir;
  const std::string fat_tree = "{kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 50 GB/s}";
  export_spec(testing::topo_text(16, fat_tree), dir.path / "ft.graphml", false);
  expect_same_run(fat_tree, "{kind: file, path: " + (dir.path / "ft.graphml").string() + "}");
}

TEST(FileTopologyRun, TorusFileWithItsRoutesRunsAsTheTorus) {
  const TempFolder dir;
  const std::string torus = "{kind: torus, dims: [4, 4], link_bandwidth: 50 GB/s}";
  export_spec(testing::topo_text(16, torus), dir.path / "torus.graphml", true);
  expect_same_run(torus, "{kind: file, path: " + (dir.path / "torus.graphml").string() + "}");
}

TEST(FileTopologyRun, TheFileMustFitTheCluster) {
  const TempFolder dir;
  export_spec(testing::topo_text(16, "{kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}"), dir.path / "t.graphml",
              false);
  const std::string path = (dir.path / "t.graphml").string();
  const std::string text = test::replace(traffic("{kind: file, path: " + path + "}"), "nodes: 16", "nodes: 8");
  // Line 5 is "  scale_out: {kind: file, path: PATH, routing: ...}": PATH starts at column 33.
  EXPECT_EQ(test::error_of(text), "s.yaml:5:33: error: cluster.scale_out.path: '" + path +
                                      "' has 16 endpoints, but the network must join 8 endpoints (8 nodes × 1 NIC)");
  const std::string routing_at = "s.yaml:5:" + std::to_string(33 + path.size() + 11);  // after ", routing: "
  EXPECT_EQ(test::error_of(traffic("{kind: file, path: " + path + ", routing: given}")),
            routing_at + ": error: cluster.scale_out.routing: routing: given, but '" + path +
                "' has no `routes` attribute on its graph");
  EXPECT_EQ(test::error_of(traffic("{kind: file, path: " + path + ".none}")),
            "s.yaml:5:33: error: cluster.scale_out.path: cannot open GraphML file '" + path + ".none'");
}

TEST(FileTopologyRun, ATopoSpecTakesTheFilesEndpointCount) {
  const TempFolder dir;
  export_spec(testing::topo_text(16, "{kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}"), dir.path / "t.graphml",
              false);
  const auto spec = testing::build_spec("topology: {kind: file, path: " + (dir.path / "t.graphml").string() + "}\n");
  EXPECT_EQ(spec.network().endpoint_count(), 16);
  EXPECT_EQ(spec.network().kind(), "file");
  EXPECT_EQ(testing::spec_error("topology: {kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}\n"),
            "t.yaml:1:1: error: endpoints: missing required key 'endpoints' (number of endpoints to build the "
            "topology for (a `file` topology has its own))");
}

}  // namespace
}  // namespace orrery::topo
