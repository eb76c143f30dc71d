// A run recorded with a selection reports exactly the part of the whole
// timeline the selection names: the same spans and samples, in the same order,
// as filtering the whole run's timeline here. `representative` on a training
// run is data-parallel rank 0, computed from the rank mapping (tp innermost,
// then cp, dp, pp: device = tp + tp·(cp + cp·(dp + dp·pp)), Megatron's order).
#include <gtest/gtest.h>

#include <set>

#include "sim/run/simulation.hpp"

namespace orrery {
namespace {

// 8 ranks on a chain: tp 2, cp 1, dp 2, pp 2 (profiled compute, a tiny model).
const char* const kTraining = R"(
cluster: { nodes: 8, scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us" } }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 4, hidden: 64, heads: 2, vocab: 64, seq_len: 64 }
  parallel: { tp: 2, pp: 2, dp: 2 }
  training: { global_batch: 4, attention: unfused }
  compute: { model: profiled, forward: "100 us", backward: "200 us" }
)";

run::RunOutput run(const trace::RecordSelection& selection) {
  const run::Catalog catalog;
  run::Scenario s = run::parse_scenario(catalog, kTraining, "t.yaml", {}, std::nullopt);
  // Every replica simulated (--full): a representative recording may
  // otherwise simulate replica 0 alone, whose spans are the same but come in
  // another order (symmetry_reduction_test.cpp compares them sorted).
  s.full = true;
  auto rec = run::make_recorder();
  rec->keep_timeline();
  return run::simulate(s, std::move(rec), selection);
}

TEST(SelectedRun, RepresentativeIsDataParallelRankZero) {
  const run::RunOutput all = run({});
  trace::RecordSelection sel;
  trace::parse_record_devices("representative", sel);
  const run::RunOutput rep = run(sel);
  std::set<std::int32_t> rank0;  // tp 2, cp 1, dp 2, pp 2: dp 0 is tp + 2·(0 + 2·pp) = {0, 1, 4, 5}
  for (int pp = 0; pp < 2; ++pp)
    for (int tp = 0; tp < 2; ++tp) rank0.insert(tp + 2 * (0 + 2 * pp));
  EXPECT_EQ(rep.recorder->selection().list, (std::vector<std::int32_t>(rank0.begin(), rank0.end())));
  std::vector<trace::Span> want;
  for (const auto& s : all.recorder->spans())
    if (rank0.contains(s.device)) want.push_back(s);
  ASSERT_FALSE(want.empty());
  ASSERT_LT(want.size(), all.recorder->spans().size());
  ASSERT_EQ(rep.recorder->spans().size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& a = want[i];
    const auto& b = rep.recorder->spans()[i];
    EXPECT_TRUE(a.start == b.start && a.end == b.end && a.device == b.device && a.kind == b.kind &&
                a.name == b.name && a.bytes == b.bytes)
        << i;
  }
  // The summary does not depend on what is recorded.
  EXPECT_EQ(rep.recorder->summary().entries(), all.recorder->summary().entries());
}

TEST(SelectedRun, AWindowKeepsOverlappingSpansAndTheSamplesInside) {
  const run::RunOutput all = run({});
  const auto& spans = all.recorder->spans();
  ASSERT_FALSE(spans.empty());
  std::int64_t end = 0;
  for (const auto& s : spans) end = std::max(end, s.end);
  trace::RecordSelection sel;
  sel.from = end / 3;
  sel.to = end / 2;
  const run::RunOutput part = run(sel);
  std::size_t want_spans = 0, want_samples = 0;
  for (const auto& s : spans)
    want_spans += (s.start < sel.to && s.end > sel.from) ||
                  (s.start == s.end && s.start >= sel.from && s.start < sel.to);
  for (const auto& c : all.recorder->counters()) want_samples += c.time >= sel.from && c.time < sel.to;
  EXPECT_GT(want_spans, 0U);
  EXPECT_EQ(part.recorder->spans().size(), want_spans);
  EXPECT_EQ(part.recorder->counters().size(), want_samples);
  trace::RecordSelection counters_only;
  trace::parse_record_kinds("counters", counters_only);
  const run::RunOutput c = run(counters_only);
  EXPECT_TRUE(c.recorder->spans().empty());
  EXPECT_EQ(c.recorder->counters().size(), all.recorder->counters().size());
}

}  // namespace
}  // namespace orrery
