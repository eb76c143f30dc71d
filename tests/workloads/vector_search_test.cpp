// The vector_search workload run end to end on the event engine, against
// closed forms: the FPGA's throughput is its slowest stage's rate (FANNS's
// model: 140 MHz ÷ 14,702 IVFDist cycles for SIFT100M at 50%) carried through
// batches; one query at a time on one card is an M/D/1 queue
// (Pollaczek–Khinchine); Little's law between the time-averaged number of
// queries in the system and their latencies; the recall target picks the
// least nprobe on the curve; determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/core/error.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/vector_search/vector_search_spec.hpp"

namespace orrery::vector_search_test {
namespace {

using test::number;
using test::run_text;

// SIFT100M as FANNS indexes it (OPQ16,IVF8192,PQ16) on `devices` U55C cards
// behind one switch, searched with nprobe 17 (R@10 = 80%).
std::string scenario(const std::string& queries, const std::string& extra, int devices = 1,
                     const std::string& device = "Alveo-U55C") {
  return fmt::format(R"(
seed: 3
cluster:
  device: {dev}
  nodes: {d}
  node: {{ kind: single }}
  scale_out: {{ kind: fat_tree, levels: 2, radix: 16, link_bandwidth: "100 Gb/s", link_latency: "1 us" }}
network: {{ model: analytic }}
workload:
  kind: vector_search
  index: {{ dim: 128, vectors: {v}, nlist: 8192, m: 16, opq: true }}
  search: {{ k: 10, nprobe: 17 }}
  design: {{ utilization: 0.5 }}
  queries: {{ {q} }}
{e}
)",
                     fmt::arg("dev", device), fmt::arg("d", devices), fmt::arg("v", 100'000'000LL * devices),
                     fmt::arg("q", queries), fmt::arg("e", extra));
}

TEST(VectorSearch, ThroughputIsTheSlowestStage) {
  // All queries at once in batches of 100: the card takes a batch every
  // 100 × 14,702 cycles at 140 MHz; the run adds one pipeline fill and a merge.
  const run::RunOutput out = run_text(scenario("arrival: all_at_once, count: 20000", "  batch: 100"));
  const double slowest = 140e6 / 14702;  // FANNS's model output: 9,522.5 QPS
  EXPECT_NEAR(number(out, "device_qps"), slowest, 1e-3 * slowest);
  // 20,000 queries take 200 batches of 10.50 ms plus a fill of 0.45 ms: 0.2% below the rate.
  EXPECT_NEAR(number(out, "qps"), slowest, 0.003 * slowest);
  EXPECT_LT(number(out, "qps"), slowest);
  EXPECT_EQ(number(out, "batches"), 200);
}

TEST(VectorSearch, OneAtATimeIsAnMD1Queue) {
  // Batches of one on one card: each holds the pipeline's entry for D =
  // 14,702 cycles (its slowest stage), so the card is an M/D/1 queue with
  // mean wait ρD / (2(1 − ρ)); the rest of a query's latency (the pipeline's
  // depth and the merge) is the same for every query.
  const run::RunOutput alone = run_text(scenario("arrival: poisson, rate: 1, count: 1", ""));
  const double base = number(alone, "latency_mean_s");
  const double d = 14702 / 140e6;
  const double rho = 0.5;
  const run::RunOutput out =
      run_text(scenario(fmt::format("arrival: poisson, rate: {}, count: 40000", rho / d), ""));
  const double wait = number(out, "latency_mean_s") - base;
  const double pk = rho * d / (2 * (1 - rho));
  // 40,000 correlated waits at ρ = 0.5: standard error about 2.5% of the
  // mean (σ ≈ 1.5 × mean, correlation √3); the bound is 4 of them.
  EXPECT_NEAR(wait, pk, 0.1 * pk);
}

TEST(VectorSearch, LittlesLawHolds) {
  // Over [first arrival, last answer] the system starts and ends empty, so
  // ∫N dt = Σ latencies exactly: L = λW with λ = queries ÷ span.
  const run::RunOutput out =
      run_text(scenario("arrival: poisson, rate: 30000, count: 20000", "  batch: 8\n  batch_timeout: \"50 us\"", 4));
  const double n = number(out, "queries");
  const double span = n / number(out, "qps");
  const double l = number(out, "queries_in_system_mean");
  EXPECT_NEAR(l, n / span * number(out, "latency_mean_s"), 1e-9 * l);
  EXPECT_GT(number(out, "batch_size_mean"), 1.0);
}

TEST(VectorSearch, ClosedLoopLatencyIsInFlightOverThroughput) {
  // FANNS's client keeps N = 5 queries in flight, one per batch: the cards
  // are the bottleneck (each takes a query every 14,702 cycles) and a query's
  // pipeline fill (454 us) is shorter than N of those, so by Little's law every
  // query takes W = N ÷ X = 5 × 14,702 ÷ 140 MHz = 525.07 us (plus the 20 ns
  // merge of 2 lists; the network is hidden behind the queue). Two shards,
  // so that answered batches launch new ones while the run goes.
  const run::RunOutput out = run_text(scenario("arrival: closed, in_flight: 5, count: 3000", "", 2));
  const double w = 5 * 14702 / 140e6;
  EXPECT_NEAR(number(out, "latency_p50_s"), w, 0.05e-6);
  EXPECT_NEAR(number(out, "latency_p99_s"), w, 0.05e-6);
  EXPECT_NEAR(number(out, "queries_in_system_mean"), 5, 0.01);
  EXPECT_EQ(number(out, "queries"), 3000);
}

TEST(VectorSearch, ScaleOutAddsTheNetworkAndTheMerge) {
  // Weak scaling (100M vectors a card): 8 cards hold 8 shards of the same
  // size, so a lone query takes one card's time plus the query sent out, the
  // 10 results sent back (the 8 cards share one leaf of the radix-16 fat
  // tree: 2 links of 1 us at 100 Gb/s each way) and the merge's 7 more lists
  // (7 × 10 ns: the lone card's merge takes 1 × 10 ns).
  const double one = number(run_text(scenario("arrival: poisson, rate: 1, count: 1", "")), "latency_mean_s");
  const double eight = number(run_text(scenario("arrival: poisson, rate: 1, count: 1", "", 8)), "latency_mean_s");
  const double hop = 1e-6;
  const double send = 2 * hop + 512 / 12.5e9;  // card - leaf switch - card; 128 fp32
  const double back = 2 * hop + 80 / 12.5e9;   // 10 (id, distance) pairs of 8 bytes
  EXPECT_NEAR(eight - one, send + back + 7 * 10e-9, 2e-9);
}

TEST(VectorSearch, SameSeedSameResults) {
  const std::string text = scenario("arrival: poisson, rate: 5000, count: 3000", "  batch: 4\n  batch_timeout: \"100 us\"", 2);
  const run::RunOutput a = run_text(text);
  const run::RunOutput b = run_text(text);
  for (const char* key : {"qps", "latency_p50_s", "latency_p95_s", "latency_p99_s", "queries_in_system_mean"})
    EXPECT_EQ(number(a, key), number(b, key)) << key;
}

TEST(VectorSearch, RecallTargetTakesTheLeastNprobeOnTheCurve) {
  // FANNS's SIFT100M OPQ16,IVF8192,PQ16 recall goals for R@10 (SC-ANN-FPGA
  // cpu_recall_index_nprobe_pairs_SIFT100M.pkl): 0.4 → 2, 0.6 → 4, 0.7 → 6, 0.8 → 17.
  workload::vector_search::RecallCurve c{{2, 4, 6, 17}, {0.4, 0.6, 0.7, 0.8}, "test"};
  EXPECT_EQ(workload::vector_search::least_nprobe(c, 0.8), 17);
  EXPECT_EQ(workload::vector_search::least_nprobe(c, 0.65), 6);
  EXPECT_EQ(workload::vector_search::least_nprobe(c, 0.1), 2);
  EXPECT_THROW((void)workload::vector_search::least_nprobe(c, 0.9), ValueError);
  const std::string base = scenario("arrival: poisson, rate: 1, count: 1", "");
  const auto with = [&](const std::string& target) {
    return test::replace(base, "search: { k: 10, nprobe: 17 }",
                         "search: { k: 10, recall: " + target +
                             ", recall_curve: { nprobe: [2, 4, 6, 17], recall: [0.4, 0.6, 0.7, 0.8], source: test } }");
  };
  EXPECT_EQ(number(run_text(with("0.7")), "nprobe"), 6);
  const std::string err = test::error_of(with("1.5"));
  EXPECT_NE(err.find("workload.search.recall: must be in (0, 1], got 1.5"), std::string::npos) << err;
  const std::string beyond = test::error_of(with("0.9"));
  EXPECT_NE(beyond.find("reaches 0.8 at most"), std::string::npos) << beyond;
  // More cells than the index has: at nprobe (it was at the workload), or at the recall target that asks for
  // it.
  const std::string wide = test::error_of(test::replace(base, "nprobe: 17", "nprobe: 99999"));
  EXPECT_NE(
      wide.find(":12:28: error: workload.search.nprobe: nprobe = 99999 exceeds the index's nlist = 8192"),
      std::string::npos)
      << wide;
  const std::string far =
      test::error_of(test::replace(base, "search: { k: 10, nprobe: 17 }",
                                   "search: { k: 10, recall: 0.9, recall_curve: { nprobe: [2, 99999], "
                                   "recall: [0.4, 0.95], source: test } }"));
  EXPECT_NE(far.find(":12:28: error: workload.search.recall: the recall target needs nprobe = 99999 (its "
                     "recall_curve), more than the index's nlist = 8192"),
            std::string::npos)
      << far;
}

TEST(VectorSearch, DesignOverBudgetIsInfeasible) {
  const std::string text =
      test::replace(scenario("arrival: poisson, rate: 1, count: 1", ""), "design: { utilization: 0.5 }",
                    "design: { utilization: 0.5, ivf_pes: 16, lut_pes: 17, scan_channels: 12, scan_pes: 36 }");
  try {
    (void)run_text(text);
    FAIL() << "no error";
  } catch (const InfeasibleError& e) {
    EXPECT_NE(std::string(e.what()).find("LUT"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace orrery::vector_search_test
