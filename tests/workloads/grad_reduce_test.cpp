// When the data-parallel gradient buckets start (`training.grad_reduce`), read
// off the timeline. after_backward (the default) is Megatron-LM's train step:
// forward_backward_func runs every micro-batch of every model chunk, and only
// then does `for model_module in model: model_module.allreduce_gradients()`
// (2021's local DDP; Megatron-Core's finish of the gradient sync without
// --overlap-grad-reduce), then the tied embedding's all-reduce. per_chunk
// starts each chunk's buckets at its own last backward, overlapping the other
// chunks' backward. Without interleaving (and without a tied embedding to
// order) the two are the same graph, so the same times to the nanosecond.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "sim/run/simulation.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::grad_reduce_test {
namespace {

using test::number;

run::RunOutput run(int vpp, const std::string& grad_reduce, bool tied = true, const std::string& extra = "") {
  // 4 stages × dp 2 on a chain (the flow network: it runs every replica, so
  // every device records its transfers); profiled passes of 1 and 2 ms; hidden 1024, so
  // that each chunk's fp32 gradients (12·h² per layer) take about a
  // millisecond to all-reduce: the buckets' timing shows in the iteration.
  const std::string text = fmt::format(R"(
cluster: {{ nodes: 8, scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us" }} }}
network: {{ model: flow }}
workload:
  kind: training
  model: {{ layers: 8, hidden: 1024, heads: 8, vocab: 1024, seq_len: 64, tied_embeddings: {tied} }}
  parallel: {{ pp: 4, dp: 2, vpp: {v} }}
  training: {{ global_batch: 16, schedule: {s}, attention: unfused, grad_reduce: {g}{x} }}
  compute: {{ model: profiled, forward: "1 ms", backward: "2 ms" }}
)",
                                       fmt::arg("v", vpp), fmt::arg("s", vpp > 1 ? "interleaved_1f1b" : "1f1b"),
                                       fmt::arg("g", grad_reduce), fmt::arg("tied", tied), fmt::arg("x", extra));
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text, "t.yaml", {}, std::nullopt));
}

struct DeviceTimes {
  std::int64_t last_backward_end = 0;
  std::int64_t first_reduce_start = std::numeric_limits<std::int64_t>::max();
};

// Per device: the end of its last backward and the start of its first
// data-parallel all-reduce (the collective's own span, on the first device
// of its group; its transfers' spans carry the algorithm's name).
std::map<std::int32_t, DeviceTimes> times_of(const run::RunOutput& r) {
  std::map<std::int32_t, DeviceTimes> out;
  const auto& names = r.recorder->names();
  for (const auto& s : r.recorder->spans()) {
    const std::string& name = names[static_cast<std::size_t>(s.name)];
    DeviceTimes& t = out[s.device];
    if (name.rfind("B", 0) == 0) t.last_backward_end = std::max(t.last_backward_end, s.end);
    if (name.find("dp all_reduce") != std::string::npos) t.first_reduce_start = std::min(t.first_reduce_start, s.start);
  }
  return out;
}

TEST(GradReduce, AfterTheBackwardNoBucketStartsBeforeTheStagesLastBackward) {
  const auto r = run(2, "after_backward");
  int devices = 0;
  for (const auto& [device, t] : times_of(r)) {
    if (t.first_reduce_start == std::numeric_limits<std::int64_t>::max()) continue;
    ++devices;
    EXPECT_GE(t.first_reduce_start, t.last_backward_end) << "device " << device;
  }
  EXPECT_EQ(devices, 4);  // one data-parallel group per stage
}

TEST(GradReduce, PerChunkBucketsOverlapTheOtherChunksBackward) {
  // In the interleaved cooldown the last chunk's backwards end first, so its
  // buckets start while chunk 0's backwards still run, on every device.
  const auto after = run(2, "after_backward");
  const auto per_chunk = run(2, "per_chunk");
  for (const auto& [device, t] : times_of(per_chunk)) {
    if (t.first_reduce_start == std::numeric_limits<std::int64_t>::max()) continue;
    EXPECT_LT(t.first_reduce_start, t.last_backward_end) << "device " << device;
  }
  // The same passes, the same bytes: overlapping can only end the iteration sooner.
  EXPECT_LT(number(per_chunk, "iteration_time_s"), number(after, "iteration_time_s"));
  EXPECT_EQ(number(per_chunk, "pipeline_time_s"), number(after, "pipeline_time_s"));
}

TEST(GradReduce, WithoutInterleavingBothAreTheSameGraph) {
  const auto a = run(1, "after_backward", false);
  const auto b = run(1, "per_chunk", false);
  EXPECT_EQ(number(a, "iteration_time_s"), number(b, "iteration_time_s"));
  ASSERT_EQ(a.recorder->spans().size(), b.recorder->spans().size());
  for (std::size_t i = 0; i < a.recorder->spans().size(); ++i) {
    EXPECT_EQ(a.recorder->spans()[i].start, b.recorder->spans()[i].start) << i;
  }
}

// overlap (torch DDP, Megatron-Core's --overlap-grad-reduce): the last
// micro-batch's backward runs as one piece per layer (2 here, 1 ms each of
// the stage's 2 ms), and a bucket leaves once the piece holding its last
// gradient is done. A middle stage holds 2 layers of 12·h² + 13·h fp32
// gradients (50.4 MB each); 40 MB buckets: the first is inside the first
// layer done (the stage's last), so it starts when the first piece ends.
TEST(GradReduce, OverlapStartsTheFirstBucketWhenItsLayerIsDone) {
  const auto r = run(1, "overlap", true, ", bucket_size: \"40 MB\"");
  const auto& names = r.recorder->names();
  // Stage 1's lead: device 2 (pp 4 × dp 2, dp inner).
  std::vector<std::pair<std::int64_t, std::int64_t>> last_b;  // the last micro-batch's B pieces
  std::int64_t first_reduce = std::numeric_limits<std::int64_t>::max();
  for (const auto& sp : r.recorder->spans()) {
    if (sp.stage != 1) continue;
    const std::string& name = names[static_cast<std::size_t>(sp.name)];
    if (name == "B" && sp.micro_batch == 7 && sp.device == 2) last_b.emplace_back(sp.start, sp.end);
    if (name.find("dp all_reduce") != std::string::npos) first_reduce = std::min(first_reduce, sp.start);
  }
  ASSERT_EQ(last_b.size(), 2u);
  std::sort(last_b.begin(), last_b.end());
  EXPECT_EQ(last_b[0].second - last_b[0].first, 1'000'000);  // half the stage's 2 ms
  EXPECT_EQ(last_b[1].first, last_b[0].second);
  EXPECT_EQ(first_reduce, last_b[0].second);
}

TEST(GradReduce, OverlapEndsNoLaterWithTheSamePipeline) {
  const auto after = run(1, "after_backward", true, ", bucket_size: \"40 MB\"");
  const auto overlap = run(1, "overlap", true, ", bucket_size: \"40 MB\"");
  EXPECT_LT(number(overlap, "iteration_time_s"), number(after, "iteration_time_s"));
  EXPECT_EQ(number(overlap, "pipeline_time_s"), number(after, "pipeline_time_s"));
}

TEST(GradReduce, OverlapRefusesASplitBackward) {
  EXPECT_EQ(test::error_of(test::a100(1, "layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: 128",
                                      "pp: 2, dp: 4", "global_batch: 8, schedule: zb_h1, grad_reduce: overlap")),
            "s.yaml:12:62: error: workload.training.grad_reduce: overlap reduces each bucket as the last backward "
            "produces it; schedule 'zb_h1' computes the weight gradients in W, which this does not model: use "
            "after_backward");
}

TEST(GradReduce, BadValueIsLocated) {
  EXPECT_EQ(test::error_of(test::a100(1, "layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: 128", "dp: 8",
                                      "global_batch: 8, grad_reduce: overlapped")),
            // line 12 of the text (it opens with a newline), column 45: the value
            "s.yaml:12:45: error: workload.training.grad_reduce: unknown value 'overlapped'; did you mean 'overlap'?; "
            "valid: after_backward, per_chunk, overlap");
}

}  // namespace
}  // namespace orrery::grad_reduce_test
