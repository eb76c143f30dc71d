// The calibration set of ../shared/validation/README.md (Korthikanti et al.
// 2022, Megatron-LM on DGX A100 80 GB): GPT 22B, 175B, 530B and 1T, iteration
// time for full recompute and for sequence parallelism with selective
// recompute, and memory per GPU (parameters with optimizer states; activations
// without recompute and with sequence parallelism + selective recompute), run
// from scenarios/calibration_*.yaml. Nothing in the model is fitted to these
// times: GEMMs are priced from the A100 calibration table, in-node collectives
// at NCCL's measured bus bandwidth (see the scenario headers).
//
// Memory is within 10% as the issue asks. Iteration time is within 10% for 22B
// and 1T and 11–13% short for 175B and 530B (the simulator is faster than
// Selene, most likely because the thin tensor-parallel GEMMs are priced at the
// efficiency of the nearest measured, larger shape; see scenarios/README.md);
// the time check guards that level (15%) against regressions.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/run/simulation.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::training_calibration_test {
namespace {

using test::number;

struct Published {
  std::string model;
  double full_s, selective_s;                  // iteration time
  double states_gib, act_none_gib, act_sel_gib;  // memory per GPU
  int middle_device;                            // a stage without embeddings (Korthikanti's states exclude them)
};

const std::vector<Published> kSet{{"22b", 1.42, 1.10, 45.56, 59.25, 9.56, 0},
                                  {"175b", 18.13, 13.75, 45.56, 66.84, 12.35, 8},
                                  {"530b", 49.05, 37.83, 31.64, 114.02, 23.08, 8},
                                  {"1t", 94.42, 71.49, 32.96, 131.25, 26.56, 8}};

run::RunOutput run(const std::string& model, std::vector<std::string> sets) {
  const run::Catalog catalog;
  sets.emplace_back("workload.training.check_memory=false");
  return run::simulate(run::load_scenario(
      catalog, ORRERY_SOURCE_DIR "/scenarios/calibration_" + model + ".yaml", sets, std::nullopt));
}

double gib(const run::RunOutput& r, int device, std::initializer_list<task::MemoryCategory> parts) {
  for (const auto& row : r.recorder->memory()) {
    if (row.device != device) continue;
    double sum = 0;
    for (auto c : parts) sum += static_cast<double>(row.parts[static_cast<std::size_t>(c)]);
    return sum / (1LL << 30);
  }
  return -1;
}

const std::vector<std::string> kSelective{"workload.training.recompute=selective",
                                          "workload.parallel.sequence_parallel=true"};

// Within 5% of Table 4 in every cell (each validation row has its own, tighter bound).
TEST(TrainingCalibration, IterationTimeOfTheKorthikantiSet) {
  for (const Published& p : kSet) {
    const double full = number(run(p.model, {}), "iteration_time_s");
    const double selective = number(run(p.model, kSelective), "iteration_time_s");
    EXPECT_NEAR(full / p.full_s, 1.0, 0.05) << p.model << " full recompute: " << full << " s";
    EXPECT_NEAR(selective / p.selective_s, 1.0, 0.05) << p.model << " selective: " << selective << " s";
  }
}

TEST(TrainingCalibration, MemoryPerGpuOfTheKorthikantiSet) {
  using C = task::MemoryCategory;
  for (const Published& p : kSet) {
    const auto none = run(p.model, {"workload.training.recompute=none"});
    const auto selective = run(p.model, kSelective);
    const double states = gib(none, p.middle_device, {C::kParameters, C::kGradients, C::kOptimizer});
    EXPECT_NEAR(states / p.states_gib, 1.0, 0.10) << p.model << ": " << states << " GiB";
    EXPECT_NEAR(gib(none, 0, {C::kActivations}) / p.act_none_gib, 1.0, 0.10) << p.model;
    EXPECT_NEAR(gib(selective, 0, {C::kActivations}) / p.act_sel_gib, 1.0, 0.10) << p.model;
  }
}

}  // namespace
}  // namespace orrery::training_calibration_test
