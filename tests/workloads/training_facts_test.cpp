// What training's lowering returns besides the graph (TrainingFacts, in
// Lowered::facts) belongs to that lowering alone: one workload lowered onto
// two clusters keeps each cluster's facts apart (lowering holds no state),
// and the pipeline workload returns none.
#include <gtest/gtest.h>

#include <any>

#include "sim/run/run_context.hpp"
#include "sim/run/scenario.hpp"
#include "sim/run/simulation.hpp"
#include "sim/exec/cluster.hpp"
#include "workloads/training/training.hpp"

namespace orrery {
namespace {

// The shipped GPipe scenario (4 A100s), on another device when `device` is given.
run::Scenario gpipe(const run::Catalog& catalog, const std::string& device = "") {
  std::vector<std::string> sets;
  if (!device.empty()) sets.push_back("cluster.device=" + device);
  return run::load_scenario(catalog, ORRERY_SOURCE_DIR "/scenarios/gpipe_training.yaml", sets,
                               std::nullopt);
}

workload::Lowered lower(const workload::Workload& w, const run::Scenario& on) {
  const run::RunContext context(on);  // the cluster and the workloads' view of its device
  return context.lower(w);
}

TEST(TrainingFacts, EachLoweringKeepsItsOwnClustersFacts) {
  const run::Catalog catalog;
  const auto a100 = gpipe(catalog);
  const auto h100 = gpipe(catalog, "H100-SXM5-80GB");
  const workload::Lowered on_a100 = lower(*a100.workload, a100);
  const workload::Lowered on_h100 = lower(*a100.workload, h100);  // the same workload object, lowered again
  const auto& fa = std::any_cast<const workload::training::TrainingFacts&>(on_a100.facts);
  const auto& fh = std::any_cast<const workload::training::TrainingFacts&>(on_h100.facts);
  // Dense bf16 peaks from the datasheets (models/devices/*.yaml): A100 SXM 312 TFLOP/s, H100 SXM 989.5.
  EXPECT_DOUBLE_EQ(fa.peak_flops, 312e12);
  EXPECT_DOUBLE_EQ(fh.peak_flops, 989.5e12);
  // Megatron's FLOP count depends on the model and the batch, not on the device.
  EXPECT_GT(fa.model_flops, 0);
  EXPECT_DOUBLE_EQ(fa.model_flops, fh.model_flops);
  // Full recompute repeats each layer's forward: more FLOPs counted with it than without.
  EXPECT_GT(fa.model_flops, fa.model_flops_no_recompute);
}

TEST(TrainingFacts, ThePipelineWorkloadReturnsNone) {
  const run::Catalog catalog;
  const auto s = run::parse_scenario(catalog, R"(
cluster: { nodes: 2, node: { kind: single }, scale_out: { kind: chain, link_bandwidth: "50 GB/s" } }
workload:
  kind: pipeline
  stages: 2
  micro_batches: 2
  compute: { model: profiled, forward: "1 ms", backward: "2 ms" }
)",
                                        "p.yaml", {}, std::nullopt);
  const workload::Lowered l = lower(*s.workload, s);
  EXPECT_FALSE(l.facts.has_value());
  EXPECT_EQ(l.graph.size(),
            2u * 2 * 2 + 2u * 2);  // F and B of 2 micro-batches on 2 stages, a send each way per micro-batch
}

}  // namespace
}  // namespace orrery
