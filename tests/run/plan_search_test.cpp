// Plan search (sim/run/plan_search.hpp) and `dp: auto` (scenario_test.cpp has
// --set's lists and maps). The independent computations: the number of plans is the product of
// the axes' sizes; each simulated plan's time is what `orrery run` gives for
// the same scenario with the plan written out (dp explicit); the rank follows
// the times; the memory floor is under every simulated peak, and a plan the
// floor prunes runs out of memory when simulated anyway.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/run/plan_search.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::plan_search_test {
namespace {

using test::error_of;
using test::number;
using test::run_text;

// A small GPT on one 8-GPU node: plans simulate in milliseconds.
constexpr const char* kEight = R"(seed: 2
cluster:
  nodes: 1
  device: H100-SXM5-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }
  parallel: { tp: 1, pp: 1, dp: auto }
  training: { global_batch: 16, micro_batch: 1 }
)";

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(DpAuto, FillsTheDevicesLeftAndRunsAsTheExplicitPlan) {
  const run::Catalog catalog;
  const std::vector<std::string> plan{"workload.parallel.tp=2", "workload.parallel.pp=2"};
  const run::Scenario s = run::parse_scenario(catalog, kEight, "s.yaml", plan, std::nullopt);
  // 8 devices / (tp 2 × pp 2 × cp 1) = 2.
  EXPECT_NE(s.resolved_yaml.find("dp: 2"), std::string::npos) << s.resolved_yaml;
  std::vector<std::string> explicit_plan = plan;
  explicit_plan.emplace_back("workload.parallel.dp=2");
  const auto a = run::simulate(s, false);
  const auto b = run::simulate(run::parse_scenario(catalog, kEight, "s.yaml", explicit_plan, std::nullopt), false);
  EXPECT_EQ(number(a, "iteration_time_s"), number(b, "iteration_time_s"));
}

TEST(DpAutoInvalid, DevicesThatDoNotDivideAreLocated) {
  EXPECT_EQ(error_of(kEight, {"workload.parallel.pp=3", "workload.model.layers=9"}),
            "s.yaml:10:33: error: workload.parallel.dp: auto: the cluster's 8 devices are not a multiple of tp 1 × pp "
            "3 × cp 1 = 3");
  EXPECT_EQ(error_of(kEight, {"workload.parallel.dp=many"}),
            "--set workload.parallel.dp=many: error: workload.parallel.dp: expected an integer or auto, found 'many'");
  // The batch check waits for dp: 16 sequences over micro_batch 4 × dp 8.
  EXPECT_EQ(error_of(kEight, {"workload.training.micro_batch=4"}),
            "s.yaml:11:29: error: workload.training.global_batch: global batch 16 is not a multiple of micro_batch 4 "
            "× dp 8 = 32");
}

std::vector<run::SearchAxis> small_axes() {
  return {{"tp", {"1", "2", "4"}},
          {"pp", {"1", "2", "4"}},
          {"micro_batch", {"1", "2"}},
          {"schedule", {"1f1b", "zb_h1"}}};
}

TEST(PlanSearch, EveryPlanIsCountedSimulatedAsOrreryRunWouldAndRanked) {
  const run::Catalog catalog;
  const std::string file = write_temp("orrery_plan_search_eight.yaml", kEight);
  const auto axes = small_axes();
  run::SearchOptions o;
  o.jobs = 2;
  o.refine = 2;
  const run::SearchResult r = run::plan_search(catalog, file, {}, axes, o);
  ASSERT_EQ(r.rows.size(), 3u * 3 * 2 * 2);  // the product of the axes' sizes
  int ranked = 0;
  double best = INFINITY;
  for (const run::PlanRow& row : r.rows) {
    if (row.status != run::PlanStatus::kOk) continue;
    ++ranked;
    best = std::min(best, row.iteration_time_s);
    // The floor is under the simulated peak (training_memory_floor.cpp's claim).
    EXPECT_LE(row.memory_floor_bytes, row.peak_memory_bytes * (1 + 1e-12));
    // The independent run: the plan written out, dp explicit, through orrery run's path.
    const int tp = std::stoi(row.choice[0]), pp = std::stoi(row.choice[1]);
    EXPECT_EQ(row.dp, 8 / (tp * pp));
    const std::string text = test::replace(
        test::replace(kEight, "parallel: { tp: 1, pp: 1, dp: auto }",
                      fmt::format("parallel: {{ tp: {}, pp: {}, dp: {} }}", tp, pp, 8 / (tp * pp))),
        "training: { global_batch: 16, micro_batch: 1 }",
        fmt::format("training: {{ global_batch: 16, micro_batch: {}, schedule: {} }}", row.choice[2], row.choice[3]));
    EXPECT_EQ(number(run_text(text), "iteration_time_s"), row.iteration_time_s) << text;
  }
  // The plans that run: the (tp, pp) pairs with tp × pp dividing the 8 devices (8 of
  // the 9; not 4 × 4), × 2 micro-batch sizes × 2 schedules. Nothing else is refused:
  // global batch 16 is a multiple of micro_batch × dp for every pair (mb·dp ≤ 16),
  // every pair leaves at least pp micro-batches, and the floor is far under 80 GB.
  EXPECT_EQ(ranked, 8 * 2 * 2);
  for (const run::PlanRow& row : r.rows) {
    if (row.rank == 1) {
      EXPECT_EQ(row.iteration_time_s, best);
    }
    if (row.rank == 1 || row.rank == 2) {
      EXPECT_FALSE(std::isnan(row.flow_iteration_time_s));  // refined on the flow network
    } else {
      EXPECT_TRUE(std::isnan(row.flow_iteration_time_s));
    }
    if (row.status == run::PlanStatus::kPruned) {
      EXPECT_FALSE(row.reason.empty());
    }
  }
  // The same table whatever the number of threads.
  o.jobs = 1;
  const run::SearchResult one = run::plan_search(catalog, file, {}, axes, o);
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    EXPECT_EQ(one.rows[i].iteration_time_s == r.rows[i].iteration_time_s ||
                  (std::isnan(one.rows[i].iteration_time_s) && std::isnan(r.rows[i].iteration_time_s)),
              true);
    EXPECT_EQ(one.rows[i].rank, r.rows[i].rank);
    EXPECT_EQ(one.rows[i].reason, r.rows[i].reason);
  }
}

TEST(PlanSearch, APlanOverTheMemoryFloorRunsOutOfMemoryWhenSimulated) {
  const run::Catalog catalog;
  // 3 GiB devices: the model states of 8 layers of hidden 1024 (about 100M
  // parameters with the embeddings, 18 bytes each unsharded: 1.8 GB) plus activations.
  const std::string file = write_temp(
      "orrery_plan_search_small_memory.yaml",
      test::replace(kEight, "  device: H100-SXM5-80GB\n",
                    "  device: H100-SXM5-80GB\n  device_overrides: { memory_capacity: \"3 GiB\" }\n"));
  run::SearchOptions o;
  o.refine = 0;
  const run::SearchResult pruned = run::plan_search(catalog, file, {}, small_axes(), o);
  o.memory_prune = false;
  const run::SearchResult all = run::plan_search(catalog, file, {}, small_axes(), o);
  int by_memory = 0;
  for (std::size_t i = 0; i < pruned.rows.size(); ++i) {
    if (pruned.rows[i].reason.rfind("memory floor", 0) != 0) continue;
    ++by_memory;
    EXPECT_EQ(all.rows[i].status, run::PlanStatus::kFailed) << all.rows[i].reason;
    EXPECT_NE(all.rows[i].reason.find("out of memory"), std::string::npos) << all.rows[i].reason;
  }
  EXPECT_GT(by_memory, 0);
}

TEST(PlanSearchInvalid, NotTrainingAndUnknownAxes) {
  const run::Catalog catalog;
  EXPECT_THROW((void)run::default_axes(catalog, ORRERY_SOURCE_DIR "/scenarios/traffic_allreduce.yaml", {}), ConfigError);
  try {
    (void)run::axis_key("tpp");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "error: unknown search axis 'tpp'; did you mean 'tp'?; valid: tp, pp, vpp, cp, ep, micro_batch, schedule, "
              "zero_stage, recompute, offload");
  }
}

}  // namespace
}  // namespace orrery::plan_search_test
