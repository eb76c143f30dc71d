// The strict scenario reader: every bad input gets one message with
// file:line:column and the key path. Expected positions are counted by hand in
// the YAML text of each test (lines and columns are 1-based).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/scenario_support.hpp"

#include "sim/run/docs.hpp"
#include "sim/run/scenario.hpp"

namespace orrery::run {
namespace {

using test::error_of;
using test::replace;

constexpr const char* kGood = R"(seed: 3
cluster:
  nodes: 4
  scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "5 us" }
workload:
  kind: pipeline
  stages: 4
  micro_batches: 8
  compute: { model: profiled, forward: "1 ms", backward: "2 ms" }
)";

TEST(Scenario, ReadsAGoodScenarioAndFillsDefaults) {
  const Catalog catalog;
  const Scenario s = parse_scenario(catalog, kGood, "s.yaml", {}, std::nullopt);
  EXPECT_EQ(s.seed, 3u);
  EXPECT_EQ(s.cluster.nodes, 4);
  // Defaults appear in the resolved scenario.
  EXPECT_NE(s.resolved_yaml.find("schedule: 1f1b"), std::string::npos) << s.resolved_yaml;
  EXPECT_NE(s.resolved_yaml.find("model: flow"), std::string::npos) << s.resolved_yaml;
  EXPECT_NE(s.resolved_yaml.find("link_latency: 5 us"), std::string::npos) << s.resolved_yaml;
  // The resolved scenario reads back to the same resolved scenario.
  const Scenario again = parse_scenario(catalog, s.resolved_yaml, "resolved.yaml", {}, std::nullopt);
  EXPECT_EQ(again.resolved_yaml, s.resolved_yaml);
}

// One node needs no network between nodes; two do. A single pipeline stage has
// no pipeline bubble: F and B run back to back on it, so bubble_fraction is
// 1 − busy/busy = 0 (the gradient reduction and optimizer step after the last
// B are not bubble).
TEST(Scenario, OneNodeNeedsNoScaleOut) {
  const std::string one_node = R"(cluster:
  nodes: 1
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nic_bandwidth: "200 Gb/s" }
workload:
  kind: training
  model: { layers: 2, hidden: 512, heads: 8, vocab: 1000, seq_len: 256 }
  parallel: { dp: 8 }
  training: { global_batch: 32, micro_batch: 2 }
)";
  const RunOutput r = test::run_text(one_node);
  EXPECT_EQ(test::number(r, "bubble_fraction"), 0.0);
  EXPECT_GT(test::number(r, "iteration_time_s"), 0.0);
  EXPECT_EQ(error_of(replace(one_node, "nodes: 1", "nodes: 2")),
            "s.yaml:2:3: error: cluster.scale_out: missing required section 'scale_out' (the network between "
            "nodes (not needed for one node))");
  // One device: a node of kind single, nothing else.
  std::string one_device = replace(one_node, "kind: nvswitch, devices: 8, bandwidth: \"300 GB/s\", nic_bandwidth: \"200 Gb/s\"", "kind: single");
  one_device = replace(one_device, "dp: 8", "dp: 1");
  EXPECT_EQ(test::number(test::run_text(one_device), "bubble_fraction"), 0.0);
}

TEST(Scenario, SetOverridesAScalarAndIsRecorded) {
  const Catalog catalog;
  const Scenario s = parse_scenario(catalog, kGood, "s.yaml",
                                    {"workload.schedule=gpipe", "workload.micro_batches=16"}, std::uint64_t{9});
  EXPECT_EQ(s.seed, 9u);
  EXPECT_NE(s.resolved_yaml.find("schedule: gpipe"), std::string::npos);
  EXPECT_NE(s.resolved_yaml.find("micro_batches: 16"), std::string::npos);
}

TEST(ScenarioInvalid, NotYaml) {
  EXPECT_EQ(error_of("cluster: [1, 2\n"), "s.yaml:2:1: error: not valid YAML: end of sequence flow not found");
}

TEST(ScenarioInvalid, DuplicateKey) {
  EXPECT_EQ(error_of(replace(kGood, "  nodes: 4\n", "  nodes: 4\n  nodes: 8\n")),
            "s.yaml:4:3: error: cluster.nodes: duplicate key 'nodes'");
}

// Aliases: a loop (issue 16's five-line crash: a stack overflow before the
// check), a bomb (nine levels of nine aliases: 9^9 ≈ 3.9e8 values, cut at the
// 10^6 bound at once), and nesting past the depth bound.
TEST(ScenarioInvalid, AliasThatContainsItselfIsALoop) {
  EXPECT_EQ(error_of("cluster: &A\n  nodes: 2\n  node: *A\n"),
            "s.yaml:3:3: error: cluster.node: a YAML alias here refers to a mapping or list that contains it: the "
            "value would never end");
}

TEST(ScenarioInvalid, AliasBombIsCutAtTheBound) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i) {
    text += fmt::format("a{}: &a{} [", i, i);
    for (int k = 0; k < 9; ++k) text += fmt::format("{}*a{}", k ? ", " : "", i - 1);
    text += "]\n";
  }
  const std::string e = error_of(text);
  // a0–a5 hold 9 + 81 + … + 9^6 ≈ 6.0e5 values; a6's 4.8e6 cross the bound.
  EXPECT_NE(e.find("error: a6["), std::string::npos) << e;
  EXPECT_NE(e.find("the scenario expands to more than 1000000 values (YAML aliases repeat what they refer to)"),
            std::string::npos)
      << e;
}

TEST(ScenarioInvalid, NestingPastTheBound) {
  std::string text = "cluster: ";
  for (int i = 0; i < 70; ++i) text += "[";
  for (int i = 0; i < 70; ++i) text += "]";
  const std::string e = error_of(text + "\n");
  EXPECT_NE(e.find("nested deeper than 64 levels"), std::string::npos) << e;
}

// A mapping an alias repeats is walked once and then only counted; its depth
// still counts where the alias puts it: three levels under 62 lists and the
// root mapping are 66 > 64.
TEST(ScenarioInvalid, AnAliasedNodeCountsItsDepthWhereTheAliasIs) {
  std::string text = "a: &D [[[x]]]\ncluster: ";
  for (int i = 0; i < 62; ++i) text += "[";
  text += "*D";
  for (int i = 0; i < 62; ++i) text += "]";
  const std::string e = error_of(text + "\n");
  EXPECT_NE(e.find("nested deeper than 64 levels"), std::string::npos) << e;
  EXPECT_NE(e.find("s.yaml:2:"), std::string::npos) << e;  // at the alias, not the anchor
}

TEST(ScenarioInvalid, UnknownTopLevelKey) {
  EXPECT_EQ(error_of(std::string(kGood) + "clutser: {}\n"),
            "s.yaml:10:1: error: clutser: unknown top-level key 'clutser'; did you mean 'cluster'?; valid: seed, "
            "limits, cluster, network, workload, policies");
}

TEST(ScenarioInvalid, MisspeltNestedKeySuggestsTheNearest) {
  EXPECT_EQ(error_of(replace(kGood, "link_latency", "link_latncy")),
            "s.yaml:4:56: error: cluster.scale_out: unknown key 'link_latncy'; did you mean 'link_latency'?; valid: "
            "kind, link_bandwidth, link_latency, ring");
}

TEST(ScenarioInvalid, WrongType) {
  EXPECT_EQ(error_of(replace(kGood, "nodes: 4", "nodes: four")),
            "s.yaml:3:10: error: cluster.nodes: expected an integer, found 'four'");
  EXPECT_EQ(error_of(replace(kGood, "micro_batches: 8", "micro_batches: [8]")),
            "s.yaml:8:18: error: workload.micro_batches: expected an integer, found a list");
}

TEST(ScenarioInvalid, ZeroOrNegativeWherePositiveIsRequired) {
  EXPECT_EQ(error_of(replace(kGood, "nodes: 4", "nodes: 0")),
            "s.yaml:3:10: error: cluster.nodes: must be at least 1");
  EXPECT_EQ(error_of(replace(kGood, "\"50 GB/s\"", "\"0 GB/s\"")),
            "s.yaml:4:45: error: cluster.scale_out.link_bandwidth: must be positive");
  EXPECT_EQ(error_of(replace(kGood, "micro_batches: 8", "micro_batches: -2")),
            "s.yaml:8:18: error: workload.micro_batches: must be at least 1");
}

TEST(ScenarioInvalid, MissingUnit) {
  EXPECT_EQ(error_of(replace(kGood, "\"50 GB/s\"", "50")),
            "s.yaml:4:45: error: cluster.scale_out.link_bandwidth: '50' has no unit; a bandwidth needs one, e.g. "
            "\"200 Gb/s\"");
}

TEST(ScenarioInvalid, WrongKindOfUnit) {
  EXPECT_EQ(error_of(replace(kGood, "\"50 GB/s\"", "\"10 GB\"")),
            "s.yaml:4:45: error: cluster.scale_out.link_bandwidth: cannot read '10 GB' as a bandwidth: unknown unit "
            "'GB' (valid: b/s, kb/s, Mb/s, Gb/s, Tb/s, B/s, kB/s, KB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, "
            "TiB/s, bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, bps, kbps, Mbps, Gbps, "
            "Tbps, kBps, KBps, MBps, GBps, TBps); expected e.g. \"200 Gb/s\"");
}

TEST(ScenarioInvalid, UnknownRegistryNameListsTheValidOnes) {
  EXPECT_EQ(error_of(replace(kGood, "kind: chain", "kind: chian")),
            "s.yaml:4:22: error: cluster.scale_out.kind: unknown value 'chian'; did you mean 'chain'?; valid: chain, "
            "dragonfly, fat_tree, file, hammingmesh, torus");
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: 1f1f\n")),
            "s.yaml:7:13: error: workload.schedule: unknown value '1f1f'; did you mean '1f1b'?; valid: 1f1b, gpipe, "
            "interleaved_1f1b, v_half, zb_h1, zb_h2, zb_v");
}

TEST(ScenarioInvalid, MissingRequiredKey) {
  EXPECT_EQ(error_of(replace(kGood, "  stages: 4\n", "")),
            "s.yaml:6:3: error: workload.stages: missing required key 'stages' (pipeline stages, one per device)");
}

TEST(ScenarioInvalid, SetOnAPathThatDoesNotExist) {
  EXPECT_EQ(error_of(kGood, {"workload.shedule=gpipe"}),
            "--set workload.shedule=gpipe: error: workload: unknown key 'shedule'; did you mean 'schedule'?; valid: "
            "kind, stages, micro_batches, schedule, chunks, activation_size, activation_memory, optimizer_step, compute");
  EXPECT_EQ(error_of(kGood, {"nosuch.key=1"}),
            "--set nosuch.key=1: error: nosuch: unknown top-level key 'nosuch'; valid: seed, limits, cluster, "
            "network, workload, policies");
  EXPECT_EQ(error_of(kGood, {"workload.schedule"}), "error: --set 'workload.schedule': expected key.path=value");
}

constexpr const char* kTraffic = R"(cluster:
  nodes: 4
  scale_out: { kind: chain, link_bandwidth: "50 GB/s" }
workload:
  kind: traffic
  collectives:
    - { op: all_reduce, bytes: "1 MiB" }
)";

TEST(Scenario, SetReachesIntoListEntriesByIndex) {
  const Catalog catalog;
  const Scenario s =
      parse_scenario(catalog, kTraffic, "s.yaml", {"workload.collectives.0.algorithm=ring"}, std::nullopt);
  EXPECT_NE(s.resolved_yaml.find("algorithm: ring"), std::string::npos) << s.resolved_yaml;
  // Its errors name the --set, with the entry's key path.
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives.0.algorithm=rnig"}),
            "--set workload.collectives.0.algorithm=rnig: error: workload.collectives[0].algorithm: unknown value "
            "'rnig'; did you mean 'ring'?; valid: auto, dim_rings, double_binary_tree, halving_doubling, "
            "hierarchical, ring");
}

TEST(ScenarioInvalid, SetIntoAListNeedsAnIndexInRange) {
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives.1.bytes=1 GiB"}),
            "error: --set workload.collectives.1.bytes=1 GiB: 'workload.collectives' is a list of 1 entries; expected "
            "an index from 0 to 0, found '1'");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives.first.bytes=1 GiB"}),
            "error: --set workload.collectives.first.bytes=1 GiB: 'workload.collectives' is a list of 1 entries; "
            "expected an index from 0 to 0, found 'first'");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives.0=x"}),
            "error: --set workload.collectives.0=x: 'workload.collectives' is a list; --set changes one key of an "
            "entry, e.g. workload.collectives.0.KEY=VALUE, or a whole entry given as a YAML flow map, e.g. "
            "workload.collectives[0]={KEY: VALUE}");
}

TEST(SetFlowSyntax, BracketIndicesListsAndWholeEntries) {
  const run::Catalog catalog;
  const auto resolved = [&](const std::vector<std::string>& sets) {
    return run::parse_scenario(catalog, kTraffic, "s.yaml", sets, std::nullopt).resolved_yaml;
  };
  EXPECT_NE(resolved({"workload.collectives[0].algorithm=ring"}).find("algorithm: ring"), std::string::npos);
  // A whole entry as a flow map.
  EXPECT_NE(resolved({"workload.collectives[0]={op: all_gather, bytes: 2 MiB}"}).find("op: all_gather"),
            std::string::npos);
  // A list as a flow list: a torus's dimensions.
  const std::string torus = test::replace(kTraffic, "{ kind: chain, link_bandwidth: \"50 GB/s\" }",
                                          "{ kind: torus, dims: [4], link_bandwidth: \"50 GB/s\" }");
  const std::string r = run::parse_scenario(catalog, torus, "s.yaml", {"cluster.nodes=8", "cluster.scale_out.dims=[2, 4]"},
                                            std::nullopt)
                            .resolved_yaml;
  EXPECT_NE(r.find("dims:\n      - 2\n      - 4\n"), std::string::npos) << r;
}

TEST(SetFlowSyntaxInvalid, MalformedPathsAndValuesAreNamed) {
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[0.bytes=1"}),
            "error: --set workload.collectives[0.bytes=1: '[' at character 21 is never closed");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[0]bytes=1"}),
            "error: --set workload.collectives[0]bytes=1: expected '.' or '[' after ']' at character 23");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[].bytes=1"}),
            "error: --set workload.collectives[].bytes=1: empty index at character 21");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives]0.bytes=1"}),
            "error: --set workload.collectives]0.bytes=1: ']' at character 21 closes no '['");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[3].bytes=1"}),
            "error: --set workload.collectives[3].bytes=1: 'workload.collectives' is a list of 1 entries; expected an "
            "index from 0 to 0, found '3'");
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[0]={op: all_gather"}),
            "error: --set workload.collectives[0]={op: all_gather: cannot read the value as a YAML flow map: end of "
            "map flow not found");
  // A key inside a map given whole is located at the --set that gave it.
  EXPECT_EQ(error_of(kTraffic, {"workload.collectives[0]={op: all_gahter, bytes: 2 MiB}"}),
            "--set workload.collectives[0]={op: all_gahter, bytes: 2 MiB}: error: workload.collectives[0].op: unknown "
            "value 'all_gahter'; did you mean 'all_gather'?; valid: all_reduce, reduce_scatter, all_gather, "
            "all_to_all, broadcast, reduce, sparse_all_reduce");
}

TEST(ScenarioInvalid, SetWithAnUnparsableValue) {
  EXPECT_EQ(error_of(kGood, {"workload.micro_batches=eight"}),
            "--set workload.micro_batches=eight: error: workload.micro_batches: expected an integer, found 'eight'");
  EXPECT_EQ(error_of(kGood, {"cluster.scale_out.link_bandwidth=10 GB"}),
            "--set cluster.scale_out.link_bandwidth=10 GB: error: cluster.scale_out.link_bandwidth: cannot read '10 "
            "GB' as a bandwidth: unknown unit 'GB' (valid: b/s, kb/s, Mb/s, Gb/s, Tb/s, B/s, kB/s, KB/s, MB/s, GB/s, "
            "TB/s, KiB/s, MiB/s, GiB/s, TiB/s, bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, bps, kbps, Mbps, Gbps, "
            "Tbps, kBps, KBps, MBps, GBps, TBps); expected e.g. \"200 Gb/s\"");
}

TEST(ScenarioInvalid, ScheduleWhoseMicroBatchesDoNotDivide) {
  // Interleaved 1F1B needs m to be a multiple of p (Megatron-LM SC21 §2.2.2).
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: interleaved_1f1b\n  chunks: 2\n"),
                     {"workload.micro_batches=6"}),
            "--set workload.micro_batches=6: error: workload.micro_batches: schedule 'interleaved_1f1b' needs "
            "micro-batches to be a multiple of the 4 stages, got 6");
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  chunks: 2\n")),
            "s.yaml:7:11: error: workload.chunks: schedule '1f1b' runs one chunk per stage, but chunks = 2");
}

TEST(ScenarioInvalid, ZeroBubbleSchedulesCheckChunksAndMicroBatches) {
  // ZB-V and V-Half hold exactly two chunks per stage, in a V (Qi et al. arXiv 2401.10241 §6).
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: zb_v\n")),
            "s.yaml:6:3: error: workload.chunks: schedule 'zb_v' places exactly 2 chunks on each stage, in a V; set "
            "chunks to 2 (got 1)");
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: v_half\n  chunks: 3\n")),
            "s.yaml:8:11: error: workload.chunks: schedule 'v_half' places exactly 2 chunks on each stage, in a V; set "
            "chunks to 2 (got 3)");
  // ZB-V's order deadlocks with fewer micro-batches than stages.
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: zb_v\n  chunks: 2\n"),
                     {"workload.micro_batches=3"}),
            "--set workload.micro_batches=3: error: workload.micro_batches: schedule 'zb_v' needs at least as many "
            "micro-batches as the 4 stages, got 3");
  // ZB-H1 and ZB-H2 run one chunk per stage.
  EXPECT_EQ(error_of(replace(kGood, "  kind: pipeline\n", "  kind: pipeline\n  schedule: zb_h2\n  chunks: 2\n")),
            "s.yaml:8:11: error: workload.chunks: schedule 'zb_h2' runs one chunk per stage, but chunks = 2");
}

TEST(ScenarioInvalid, WeightGradientTimes) {
  EXPECT_EQ(error_of(replace(kGood, "backward: \"2 ms\"", "backward: \"2 ms\", weight: \"-1 ms\"")),
            "s.yaml:9:74: error: workload.compute.weight: times must not be negative");
  EXPECT_EQ(error_of(replace(kGood, "backward: \"2 ms\"", "backward: \"2 ms\", weight: [\"1 ms\", \"1 ms\"]")),
            "s.yaml:9:74: error: workload.compute.weight: gives 2 times for 4 stages; give one, or one per stage");
}

TEST(ScenarioInvalid, StageTimesListOfTheWrongLength) {
  EXPECT_EQ(error_of(replace(kGood, "forward: \"1 ms\"", "forward: [\"1 ms\", \"2 ms\"]")),
            "s.yaml:9:40: error: workload.compute.forward: gives 2 times for 4 stages; give one, or one per stage");
}

TEST(ScenarioInvalid, EmptyAndNonMappingFiles) {
  EXPECT_EQ(error_of(""), "s.yaml:1:1: error: the scenario is empty");
  EXPECT_EQ(error_of("- 1\n- 2\n"), "s.yaml:1:1: error: a scenario must be a mapping of keys to values");
}

TEST(ScenarioInvalid, MissingFile) {
  const Catalog catalog;
  try {
    (void)load_scenario(catalog, "no/such/file.yaml", {}, std::nullopt);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "error: cannot open scenario file 'no/such/file.yaml'");
  }
}

TEST(Docs, DescribeComesFromTheReadFunctions) {
  const Catalog catalog;
  const std::string md = describe_entry(catalog, "topology", "chain", true);
  EXPECT_NE(md.find("| `link_bandwidth` | bandwidth | required | per-direction bandwidth of each link |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `ring` | boolean | `false` |"), std::string::npos) << md;
  try {
    (void)describe_entry(catalog, "topology", "torrus", false);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "error: unknown topology 'torrus'; valid: chain, dragonfly, fat_tree, file, hammingmesh, torus");
  }
}

}  // namespace
}  // namespace orrery::run
