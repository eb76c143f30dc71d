// The `traffic` workload, run end to end (scenario text → simulate):
//  * ring all-reduce on p endpoints of a ring (chain, ring: true, analytic
//    network) against validation/README.md's 2(p−1)·alpha + 2(p−1)/p·S/beta,
//    with each transfer's S/p/beta rounded up to whole ns as the analytic
//    network does (units.hpp transfer_time);
//  * each pattern's flows (counts, endpoints, start times), the summary keys,
//    NCCL's bus bandwidth, link usage of the collective's transfers;
//  * invalid inputs, each with its message.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "sim/run/simulation.hpp"
#include "workloads/traffic.hpp"

namespace orrery::traffic_test {
namespace {

std::string scenario(int nodes, const std::string& workload, const std::string& latency = "1 us",
                     std::uint64_t seed = 1, const std::string& network = "analytic") {
  return fmt::format(R"(seed: {}
cluster:
  nodes: {}
  scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "{}", ring: true }}
workload:
  kind: traffic
{}
network: {{ model: {} }}
)",
                     seed, nodes, latency, workload, network);
}

// The two network models. With one transfer per link at a time, `flow` (max-min sharing) gives each
// transfer the analytic time alpha + ⌈bytes/beta⌉ (sim/exec/flow_network.hpp), so closed forms hold in both.
const std::vector<std::string> kModels{"analytic", "flow"};

run::RunOutput run(const std::string& text, const std::string& file = "traffic.yaml") {
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text, file, {}, std::nullopt));
}

const Summary::Value& value(const run::RunOutput& r, const std::string& key) {
  const auto* v = r.recorder->summary().find(key);
  if (!v) throw std::runtime_error("no summary key " + key);
  return *v;
}
double number(const run::RunOutput& r, const std::string& key) {
  const auto& v = value(r, key);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return static_cast<double>(std::get<std::int64_t>(v));
}
std::vector<double> numbers(const run::RunOutput& r, const std::string& key) {
  return std::get<std::vector<double>>(value(r, key));
}
std::string text(const run::RunOutput& r, const std::string& key) {
  return std::get<std::string>(value(r, key));
}

// Ring all-reduce, p = 8, S = 1 GiB, beta = 50 GB/s, alpha = 1 us (one hop):
// closed form 14·1000 ns + (14/8)·2^30 B / 50 GB/s = 14000 + 37580963.84 ns.
// Each of the 14 steps sends S/8 = 134217728 B, 2684354.56 ns rounded up to
// 2684355 ns, so the simulation gives 14 × (1000 + 2684355) = 37594970 ns.
void ring_all_reduce_closed_form(const std::string& model) {
  const auto r = run(scenario(8, R"(  collectives:
    - { op: all_reduce, group: all, bytes: "1 GiB", algorithm: ring })",
                              "1 us", 1, model));
  const double t = 37594970e-9;
  EXPECT_NEAR(number(r, "completion_time_s"), t, 1e-15);
  EXPECT_NEAR(numbers(r, "collective_time_s").at(0), t, 1e-15);
  EXPECT_NEAR(std::abs(t - (14000 + 37580963.84) * 1e-9), 6.16e-9, 1e-15);  // rounding: 14 × 0.44 ns
  const double S = 1073741824.0;
  EXPECT_NEAR(numbers(r, "collective_algbw_bytes_per_s").at(0), S / t, 1e-3);
  EXPECT_NEAR(numbers(r, "collective_busbw_bytes_per_s").at(0), S / t * 2 * 7 / 8, 1e-3);  // NCCL: × 2(p−1)/p
  EXPECT_EQ(text(r, "collective_algorithms"), "all_reduce:ring");
  EXPECT_EQ(number(r, "comm_bytes"), 2.0 * 7 * S);  // p ranks × 2(p−1)/p·S
  // Every transfer goes i → i+1: links 2i carry 2(p−1) chunks of S/8, the reverse links nothing.
  for (const auto& l : r.recorder->links()) {
    EXPECT_EQ(l.bytes, l.link % 2 == 0 ? 14 * 134217728LL : 0) << l.link;
    EXPECT_EQ(l.busy, l.link % 2 == 0 ? 14 * 2684355LL : 0) << l.link;
  }
  // One span for the collective and one per transfer: 2(p−1) steps × p ranks.
  std::size_t collective = 0, sends = 0;
  for (const auto& s : r.recorder->spans())
    (s.kind == static_cast<std::int8_t>(task::TaskKind::kCollective) ? collective : sends)++;
  EXPECT_EQ(collective, 1u);
  EXPECT_EQ(sends, 14u * 8u);
}

TEST(TrafficCollective, RingAllReduceMatchesTheClosedForm) {
  for (const auto& model : kModels) {
    SCOPED_TRACE(model);
    ring_all_reduce_closed_form(model);
  }
}

TEST(TrafficCollective, ClosedFormForOtherRingSizes) {
  // p = 5, S = 10 MB: S/p = 2 MB → 40000 ns exactly; 8 steps × (500 + 40000) ns.
  for (const auto& model : kModels) {
    const auto r = run(scenario(5, R"(  collectives:
    - { op: all_reduce, bytes: "10 MB", algorithm: ring })",
                                "500 ns", 1, model));
    EXPECT_NEAR(number(r, "completion_time_s"), 8 * 40500e-9, 1e-15) << model;
  }
}

// Under `flow`, a collective's transfers share links with other traffic. A ring all-reduce of
// 1 GiB on 8 devices sends 134217728 B over each link i → i+1 from t = 0 (2.68 ms). A broadcast
// of 4 KiB from device 3 to device 4 (binomial: one transfer 3 → 4) starting at 5 us shares link
// 3 → 4 with it: max-min gives each 25 GB/s, so its last byte leaves after ⌈4096 B / 25 GB/s =
// 163.84 ns⌉ = 164 ns, and it ends 1000 ns later: 1164 ns, against 1082 ns alone (the analytic
// model, which has no contention, gives 1082 ns with the all-reduce too).
TEST(TrafficCollective, TransfersContendWithOtherTrafficUnderFlow) {
  const std::string spec = R"(  collectives:
    - { op: all_reduce, bytes: "1 GiB", algorithm: ring }
    - { op: broadcast, group: [3, 4], bytes: "4 KiB", start_time: "5 us", algorithm: binomial_tree })";
  EXPECT_NEAR(numbers(run(scenario(8, spec, "1 us", 1, "flow")), "collective_time_s").at(1), 1164e-9, 1e-15);
  EXPECT_NEAR(numbers(run(scenario(8, spec, "1 us", 1, "analytic")), "collective_time_s").at(1), 1082e-9,
              1e-15);
}

// A collective's transfers of one step share their links on the analytic
// network too (Executor::shared_times). Direct all-to-all, S = 8 MiB per rank
// on one NVSwitch node of 8 devices (100 GB/s each way between a device and
// the switch, no latency): its one step sends 7 transfers of S/8 = 1 MiB out
// of every device and into every device; so every transfer ends when its
// uplink and downlink have carried all 7: ⌈7 MiB / 100 GB/s = 73400.32 ns⌉ =
// 73401 ns (it took ⌈1 MiB / 100 GB/s⌉ = 10486 ns, each transfer alone at
// full speed, before sharing was charged), what the flow model's max-min
// sharing of the links gives. Pairwise sends one transfer per link in each of
// its 7 steps: 7 × 10486 ns, unchanged. The event run (--full) adds the same.
TEST(TrafficCollective, TransfersOfOneStepShareTheirLinks) {
  const auto node = [](const std::string& algorithm, const std::string& model, bool full) {
    const run::Catalog catalog;
    run::Scenario s = run::parse_scenario(catalog,
                                          fmt::format(R"(
cluster:
  nodes: 1
  node: {{ kind: nvswitch, devices: 8, bandwidth: "100 GB/s", nic_bandwidth: "100 Gb/s" }}
network: {{ model: {} }}
workload:
  kind: traffic
  collectives:
    - {{ op: all_to_all, bytes: "8 MiB", algorithm: {} }}
)",
                                                      model, algorithm),
                                          "a2a.yaml", {}, std::nullopt);
    s.full = full;
    return numbers(run::simulate(s), "collective_time_s").at(0);
  };
  for (const bool full : {false, true}) {
    EXPECT_NEAR(node("direct", "analytic", full), 73401e-9, 1e-15) << full;
    EXPECT_NEAR(node("pairwise", "analytic", full), 7 * 10486e-9, 1e-15) << full;
  }
  EXPECT_NEAR(node("direct", "flow", false), 73401e-9, 1e-15);
}

// A traffic workload on a chain of 4 (50 GB/s, 1 us a hop), analytic network.
run::RunOutput on_chain_of_four(std::string_view traffic) {
  return run(fmt::format(R"(
cluster:
  nodes: 4
  scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us" }}
network: {{ model: analytic }}
workload:
  kind: traffic
{}
)",
                         traffic));
}

// The analytic network times each collective as if it had its links alone,
// and says so when collectives of different groups ask one link for more
// than it carries (Executor::oversubscription). On the chain of 4,
// broadcasts of 1 GiB from 0 to 2 and from 1 to 3 both cross link
// d1->d2 from t = 0: each keeps it busy ⌈2^30 B / 50 GB/s⌉ = 21474837 ns of
// its 2 × 1000 + 21474837 ns, a share of 0.99990687; together 1.9998: the
// warning says 2.0 times. From 2 to 3 instead, they share no link: no warning.
TEST(TrafficCollective, OversubscribedLinksOfTheAnalyticNetworkAreWarnedOf) {
  const std::string two = R"(  collectives:
    - { op: broadcast, group: [0, 2], bytes: "1 GiB", algorithm: binomial_tree }
    - { op: broadcast, group: [1, 3], bytes: "1 GiB", algorithm: binomial_tree })";
  const auto r = on_chain_of_four(two);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("over one link at once (d1->d2)"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("asked 2.0 times what the link carries"), std::string::npos) << r.warnings[0];
  std::string apart = two;
  apart.replace(apart.find("[1, 3]"), 6, "[2, 3]");
  EXPECT_TRUE(on_chain_of_four(apart).warnings.empty());
}

// Point-to-point transfers too (Executor::check_send_overlap): an incast of
// 1 GiB from devices 0, 1 and 2 into 3 on the chain of 4 crosses d2->d3
// three times at once from t = 0, each keeping it busy 21474837 ns of its
// h × 1000 + 21474837 ns (h = 3, 2, 1 hops): shares 0.99986, 0.99991,
// 0.99995, together 2.9997: "3.0 times". A ring shift by one, whose sends
// share no link (each link of the chain carries one), is not warned of.
TEST(TrafficCollective, OversubscribedLinksOfPointToPointSendsAreWarnedOf) {
  const auto incast = on_chain_of_four("  flows:\n    - { pattern: incast, target: 3, bytes: \"1 GiB\" }");
  ASSERT_EQ(incast.warnings.size(), 1u);
  EXPECT_NE(incast.warnings[0].find("point-to-point sends) over one link at once (d2->d3)"),
            std::string::npos)
      << incast.warnings[0];
  EXPECT_NE(incast.warnings[0].find("asked 3.0 times what the link carries"), std::string::npos)
      << incast.warnings[0];
  const auto ring = on_chain_of_four("  flows:\n    - { pattern: ring, bytes: \"1 GiB\" }");
  EXPECT_TRUE(ring.warnings.empty()) << ring.warnings.front();
}

TEST(TrafficCollective, AutoIsReportedAndCollectivesStartAtTheirTimes) {
  // The analytic model: the broadcast's timing below ignores the other collectives' traffic.
  const auto r = run(scenario(8, R"(  collectives:
    - { op: all_reduce, bytes: "1 GiB" }
    - { op: broadcast, group: [2, 3, 4], root: 1, bytes: "4 KiB", start_time: "5 us", algorithm: binomial_tree }
    - { op: sparse_all_reduce, bytes: "64 MiB", density: 0.01 })"));
  // 1 GiB on a ring of 8: ring (see models/collective_test for the tuner's numbers).
  EXPECT_EQ(text(r, "collective_algorithms"),
            "all_reduce:ring,broadcast:binomial_tree,sparse_all_reduce:ok_topk");
  // Binomial broadcast from device 3 to 2 and 4: step 1: 3→4 (1 hop); step 2: 3→2 (1 hop) (v = 0 → 1 → 2):
  // 2 × (1000 + ⌈4096 B / 50 GB/s⌉ = 82 ns), starting at 5 us.
  EXPECT_NEAR(numbers(r, "collective_time_s").at(1), 2 * 1082e-9, 1e-15);
  for (const auto& s : r.recorder->spans()) {
    if (s.kind == static_cast<std::int8_t>(task::TaskKind::kCollective) && s.device == 2) {
      EXPECT_EQ(s.start, 5000);
    }
  }
}

void ring_pattern(const std::string& model) {
  const auto r = run(scenario(6, R"(  flows:
    - { pattern: ring, bytes: "8 MiB", start_time: "2 us" })",
                              "1 us", 1, model));
  EXPECT_EQ(number(r, "flows"), 6);
  const double d = 168773e-9;
  EXPECT_NEAR(number(r, "completion_time_s"), 2e-6 + d, 1e-15);
  EXPECT_NEAR(number(r, "flow_bandwidth_mean_bytes_per_s"), 8388608 / d, 1e-3);
  EXPECT_NEAR(number(r, "flow_bandwidth_min_bytes_per_s"), 8388608 / d, 1e-3);
  EXPECT_NEAR(number(r, "flow_bandwidth_max_bytes_per_s"), 8388608 / d, 1e-3);
  EXPECT_EQ(number(r, "comm_bytes"), 6.0 * 8388608);
}

TEST(TrafficFlows, RingPatternFlowsAndBandwidth) {
  // n flows i → i+1, one hop each, one per link: 1000 ns + ⌈8 MiB / 50 GB/s⌉ = 1000 + 167773 ns.
  for (const auto& model : kModels) {
    SCOPED_TRACE(model);
    ring_pattern(model);
  }
}

// The (src, dst) of every flow the workload lowers to.
std::vector<std::pair<int, int>> flows_of(int devices, const std::string& flows, std::uint64_t seed = 1) {
  const run::Catalog catalog;
  const auto s =
      run::parse_scenario(catalog, scenario(devices, flows, "1 us", seed), "t.yaml", {}, std::nullopt);
  workload::ClusterShape shape;
  shape.devices = devices;
  shape.seed = seed;
  const auto g = s.workload->lower(shape).graph;
  std::vector<std::pair<int, int>> out;
  for (const auto& t : g.tasks()) {
    const auto& x = std::get<task::TransferWork>(t.work);
    out.emplace_back(x.src.value(), x.dst.value());
  }
  return out;
}

TEST(TrafficFlows, PermutationIsADerangementFromTheSeed) {
  const std::string spec = "  flows:\n    - { pattern: permutation, bytes: \"1 MiB\" }";
  const auto a = flows_of(16, spec, 7);
  ASSERT_EQ(a.size(), 16u);
  std::set<int> dst;
  for (const auto& [s, d] : a) {
    EXPECT_NE(s, d);
    dst.insert(d);
  }
  EXPECT_EQ(dst.size(), 16u);           // a permutation
  EXPECT_EQ(flows_of(16, spec, 7), a);  // the same seed, the same flows
  EXPECT_NE(flows_of(16, spec, 8), a);  // another seed, (here) others
}

TEST(TrafficFlows, AllToAllIncastAndHotSpot) {
  EXPECT_EQ(flows_of(5, "  flows:\n    - { pattern: all_to_all, bytes: \"1 MiB\" }").size(), 20u);  // n(n−1)
  const auto incast =
      flows_of(6, "  flows:\n    - { pattern: incast, bytes: \"1 MiB\", target: 2, senders: 3 }");
  EXPECT_EQ(incast, (std::vector<std::pair<int, int>>{{0, 2}, {1, 2}, {3, 2}}));
  // fraction 1: every device but the target sends to the target; the target to another.
  const auto hot =
      flows_of(6, "  flows:\n    - { pattern: hot_spot, bytes: \"1 MiB\", target: 4, fraction: 1 }");
  ASSERT_EQ(hot.size(), 6u);
  for (const auto& [s, d] : hot) {
    if (s == 4) {
      EXPECT_NE(d, 4);
    } else {
      EXPECT_EQ(d, 4);
    }
  }
  // fraction 0: nobody picks the target on purpose, and nobody sends to itself.
  for (const auto& [s, d] :
       flows_of(6, "  flows:\n    - { pattern: hot_spot, bytes: \"1 MiB\", target: 4, fraction: 0 }"))
    EXPECT_NE(s, d);
}

class TrafficCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        fmt::format("orrery_traffic_{}_{}", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                    static_cast<long>(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& body) {
    std::ofstream(dir_ / name) << body;
    return (dir_ / name).string();
  }
  std::string scenario_file() const { return (dir_ / "s.yaml").string(); }
  std::filesystem::path dir_;
};

TEST_F(TrafficCsv, FlowsFromAFileRelativeToTheScenario) {
  write("flows.csv", "# a comment\nsrc,dst,bytes [MiB],start_time [us]\n0,1,8,0\n\n2, 1, 0.5, 10\n");
  const auto r = run(scenario(4, "  flows:\n    - { pattern: file, file: flows.csv }"), scenario_file());
  EXPECT_EQ(number(r, "flows"), 2);
  // Flow 1: 0 → 1 from 0 ns, 1000 + ⌈8388608 B / 50 GB/s = 167772.16⌉ = 168773 ns (the last end).
  // Flow 2: 2 → 1 from 10 us, 1000 + ⌈524288 B / 50 GB/s = 10485.76⌉ = 11486 ns.
  EXPECT_NEAR(number(r, "completion_time_s"), 168773e-9, 1e-15);
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (const auto& sp : r.recorder->spans()) spans.emplace_back(sp.start, sp.end);
  std::sort(spans.begin(), spans.end());
  EXPECT_EQ(spans, (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 168773}, {10000, 21486}}));
  EXPECT_EQ(number(r, "comm_bytes"), 8388608.0 + 524288.0);
  // Units in each value instead of the header; columns in another order.
  write("units.csv", "dst,src,bytes,start_time\n3,0,1 MiB,1 us\n0,3,2 KiB,0 ns\n");
  const auto u = run(scenario(4, "  flows:\n    - { pattern: file, file: units.csv }"), scenario_file());
  EXPECT_EQ(number(u, "comm_bytes"), 1048576.0 + 2048.0);
  std::vector<std::int64_t> starts;
  for (const auto& sp : u.recorder->spans()) starts.push_back(sp.start);
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(starts, (std::vector<std::int64_t>{0, 1000}));
}

TEST_F(TrafficCsv, BadRowsNameTheFileLineAndColumn) {
  const auto error = [&](const std::string& body) -> std::string {
    write("bad.csv", body);
    try {
      (void)run(scenario(4, "  flows:\n    - { pattern: file, file: bad.csv }"), scenario_file());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  const std::string f = (dir_ / "bad.csv").string();
  const std::string key = "workload.flows[0].file";
  EXPECT_EQ(error("src,dst,bytes [MiB]\n0,1,8\n0,1,x\n"),
            f + ":3:5: error: " + key +
                ": column bytes: expected a plain number (the unit, MiB, is in the header), found 'x'");
  EXPECT_EQ(error("src,dst,bytes\n0,1,8\n"),
            f + ":2:5: error: " + key +
                ": column bytes: '8' has no unit; a size in bytes needs one, e.g. \"80 GiB\"");
  EXPECT_EQ(error("src,dst,bytes [MiB]\n0,1\n"),
            f + ":2:1: error: " + key + ": 2 fields where the header has 3");
  EXPECT_EQ(error("src,dst,bytes [MiB]\n0,-1,3\n"),
            f + ":2:3: error: " + key + ": column dst: expected a device id (an integer >= 0), found '-1'");
  EXPECT_EQ(error("src,dst,bytes [MiB]\n2,2,3\n"),
            f + ":2:1: error: " + key + ": a flow from device 2 to itself");
  EXPECT_EQ(error("src,dst,bytes [MiB]\n0,9,3\n"),
            f + ":2:1: error: " + key + ": device 9 is out of range: the cluster has 4 devices (0 to 3)");
  EXPECT_EQ(error("src,dest,bytes\n"),
            f + ":1:5: error: " + key + ": unknown column 'dest'; valid: src, dst, bytes, start_time");
  EXPECT_EQ(error("src,bytes\n"),
            f + ":1:1: error: " + key + ": the header lacks the column 'dst' (src, dst, bytes needed)");
  EXPECT_EQ(error("src,dst,bytes,start_time [us]\n0,1,1 MiB,-3\n"),
            f + ":2:11: error: " + key + ": column start_time: start_time must not be negative, got '-3'");
  // The file as a whole: at the scenario's `file` value (line 8, column 30), naming the file.
  EXPECT_EQ(error("# nothing\n"), scenario_file() + ":8:30: error: " + key + ": the file '" + f +
                                      "' has no header line (src,dst,bytes[,start_time])");
  EXPECT_EQ(error("src,dst,bytes [MiB]\n"),
            scenario_file() + ":8:30: error: " + key + ": the file '" + f + "' lists no flows");
}

TEST_F(TrafficCsv, MissingFile) {
  try {
    (void)run(scenario(4, "  flows:\n    - { pattern: file, file: nope.csv }"), scenario_file());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), scenario_file() +
                                         ":8:30: error: workload.flows[0].file: cannot open flow file '" +
                                         (dir_ / "nope.csv").string() + "'");
  }
}

// ---- invalid inputs ----

std::string error_of(const std::string& workload, int nodes = 8) {
  try {
    (void)run(scenario(nodes, workload), "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrafficInvalid, Groups) {
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, group: [], bytes: \"1 MiB\" }"),
            "t.yaml:8:32: error: workload.collectives[0].group: the group is empty: a collective needs at "
            "least one device");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, group: [1, 3, 1], bytes: \"1 MiB\" }"),
            "t.yaml:8:32: error: workload.collectives[0].group: device 1 appears twice in the group");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, group: [1, 8], bytes: \"1 MiB\" }"),
            "t.yaml:8:32: error: workload.collectives[0].group: device 8 is out of range: the cluster has 8 "
            "devices (0 to 7)");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, group: [-2], bytes: \"1 MiB\" }"),
            "t.yaml:8:32: error: workload.collectives[0].group: device ids must not be negative, got -2");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, group: some, bytes: \"1 MiB\" }"),
            "t.yaml:8:32: error: workload.collectives[0].group: expected `all` or a list of device ids, "
            "found 'some'");
}

TEST(TrafficInvalid, Algorithms) {
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, bytes: \"1 MiB\", algorithm: rnig }"),
            "t.yaml:8:52: error: workload.collectives[0].algorithm: unknown value 'rnig'; did you mean "
            "'ring'?; valid: "
            "auto, dim_rings, double_binary_tree, halving_doubling, hierarchical, ring");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_to_all, bytes: \"1 MiB\", algorithm: ring }"),
            "t.yaml:8:52: error: workload.collectives[0].algorithm: algorithm 'ring' cannot run all_to_all; "
            "valid for "
            "all_to_all: auto, direct, pairwise");
}

TEST(TrafficInvalid, DensityRootAndDims) {
  EXPECT_EQ(error_of("  collectives:\n    - { op: sparse_all_reduce, bytes: \"1 MiB\", density: 0 }"),
            "t.yaml:8:57: error: workload.collectives[0].density: must be in (0, 1], got 0");
  EXPECT_EQ(error_of("  collectives:\n    - { op: sparse_all_reduce, bytes: \"1 MiB\", density: 1.5 }"),
            "t.yaml:8:57: error: workload.collectives[0].density: must be in (0, 1], got 1.5");
  EXPECT_EQ(error_of("  collectives:\n    - { op: sparse_all_reduce, bytes: \"1 MiB\" }"),
            "t.yaml:8:7: error: workload.collectives[0].density: missing required key 'density' (k as a "
            "fraction) for "
            "sparse_all_reduce");
  EXPECT_EQ(error_of("  collectives:\n    - { op: all_reduce, bytes: \"1 MiB\", density: 0.1 }"),
            "t.yaml:8:50: error: workload.collectives[0].density: is only used by sparse_all_reduce");
  EXPECT_EQ(error_of("  collectives:\n    - { op: broadcast, group: [0, 1], root: 2, bytes: \"1 MiB\" }"),
            "t.yaml:8:45: error: workload.collectives[0].root: root 2 is not a rank of the group (0 to 1)");
  EXPECT_EQ(error_of("  collectives:\n    - { op: broadcast, root: 9, bytes: \"1 MiB\" }"),
            "t.yaml:8:30: error: workload.collectives[0].root: root 9 is not a rank of the group (0 to 7)");
  EXPECT_EQ(
      error_of(
          "  collectives:\n    - { op: all_reduce, bytes: \"1 MiB\", algorithm: dim_rings, dims: [3, 2] }"),
      "t.yaml:8:69: error: workload.collectives[0].dims: the grid 3 x 2 holds 6 ranks, but the group has 8");
  EXPECT_EQ(
      error_of("  collectives:\n    - { op: all_reduce, bytes: \"1 MiB\", algorithm: ring, dims: [4, 2] }"),
      "t.yaml:8:64: error: workload.collectives[0].dims: is only used by the dim_rings algorithm (or auto)");
}

TEST(TrafficInvalid, Patterns) {
  EXPECT_EQ(error_of("  flows:\n    - { pattern: ring, bytes: \"1 MiB\", target: 3 }"),
            "t.yaml:8:48: error: workload.flows[0].target: is only used by the incast and hot_spot patterns");
  EXPECT_EQ(error_of("  flows:\n    - { pattern: incast, bytes: \"1 MiB\", target: 8 }"),
            "t.yaml:8:50: error: workload.flows[0].target: device 8 is out of range: the cluster has 8 "
            "devices (0 to 7)");
  EXPECT_EQ(
      error_of("  flows:\n    - { pattern: incast, bytes: \"1 MiB\", senders: 8 }"),
      "t.yaml:8:51: error: workload.flows[0].senders: 8 senders, but only 7 devices besides the target");
  EXPECT_EQ(error_of("  flows:\n    - { pattern: hot_spot, bytes: \"1 MiB\", fraction: 2 }"),
            "t.yaml:8:54: error: workload.flows[0].fraction: must be in [0, 1], got 2");
  EXPECT_EQ(error_of("  flows:\n    - { pattern: permutaton, bytes: \"1 MiB\" }"),
            "t.yaml:8:18: error: workload.flows[0].pattern: unknown value 'permutaton'; did you mean "
            "'permutation'?; "
            "valid: all_to_all, file, hot_spot, incast, permutation, ring");
  // An all-to-all of 8 devices is 8 × 7 = 56 flows, over limits.tasks = 50.
  try {
    (void)run(
        scenario(8, "  flows:\n    - { pattern: all_to_all, bytes: \"1 MiB\" }") + "limits: { tasks: 50 }\n",
        "t.yaml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "t.yaml:8:18: error: workload.flows[0].pattern: all_to_all over 8 devices is 56 flows, "
                 "more than limits.tasks = 50 (raise it deliberately with --max-tasks N)");
  }
  // Found when the cluster is known, and still located (it was not, until scenario_fuzz.py's draws).
  EXPECT_EQ(
      error_of("  flows:\n    - { pattern: ring, bytes: \"1 MiB\" }", 1),
      "t.yaml:8:18: error: workload.flows[0].pattern: pattern 'ring' needs at least 2 devices, the cluster "
      "has 1");
  EXPECT_EQ(error_of("  flows: { pattern: ring }"),
            "t.yaml:7:10: error: workload.flows: expected a list of mappings, found a mapping");
  EXPECT_EQ(error_of("  flows:\n    - ring"),
            "t.yaml:8:7: error: workload.flows[0]: expected a mapping of keys to values, found 'ring'");
  EXPECT_EQ(error_of("  flows: []"), "t.yaml:6:3: error: workload: needs `flows`, `collectives` or both");
  EXPECT_EQ(error_of("  flows:\n    - { pattern: ring, bytes: \"1 MiB\", bites: 3 }"),
            "t.yaml:8:40: error: workload.flows[0]: unknown key 'bites'; did you mean 'bytes'?; valid: "
            "pattern, bytes, "
            "start_time, target, senders, fraction, file");
}

TEST(TrafficScenario, ResolvedYamlReadsBack) {
  const run::Catalog catalog;
  const auto s = run::parse_scenario(catalog, scenario(8, R"(  flows:
    - { pattern: incast, bytes: "1 MiB", target: 2 }
  collectives:
    - { op: all_reduce, bytes: "1 GiB", algorithm: dim_rings, dims: [2, 4] })"),
                                        "t.yaml", {}, std::nullopt);
  EXPECT_NE(s.resolved_yaml.find("group: all"), std::string::npos) << s.resolved_yaml;
  const auto again = run::parse_scenario(catalog, s.resolved_yaml, "resolved.yaml", {}, std::nullopt);
  EXPECT_EQ(again.resolved_yaml, s.resolved_yaml);
}

}  // namespace
}  // namespace orrery::traffic_test
