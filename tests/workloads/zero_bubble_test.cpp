// The zero-bubble schedules (ZB-H1, ZB-H2, ZB-V, V-Half) and the split
// backward, executed event by event, against the closed forms of
// ../shared/validation/README.md (Qi et al., ICLR'24, "Zero Bubble Pipeline
// Parallelism", Table 2) and those stated in each schedule's header.
//
// Bubble, as the paper counts it (§5.3: a stage's cost is its execution
// time): the idle time of a stage between the start of its first operation
// and the end of its last, `bubble_s_per_stage`; the schedule's bubble is the
// largest over stages, `bubble_s`. Table 2's (p−1)(T_F+T_B−T_W) and
// (p−1)(T_F+T_B−2T_W) are that number. `bubble_fraction_per_stage[s]` is
// instead 1 − busy_s/T over the isolated iteration T, so it also counts the
// stage's wait for its first input and after its last operation; with uniform
// stages busy_s = m(T_F+T_B+T_W) on every stage and
//   bubble_fraction = (T − m(T_F+T_B+T_W)) / T,
// which equals bubble_s / T when stage 0 spans the whole iteration (1F1B,
// GPipe, ZB-H1 with T_W ≤ T_B, V-Half), but not for ZB-H2 or ZB-V, whose
// parallelogram leaves each stage's head and tail to the neighbouring
// iterations (the paper's §4 removes the optimizer-step synchronisation that
// would keep them idle).
//
// Times: T_F, T_B, T_W are a stage's times per micro-batch; with two chunks
// (ZB-V, V-Half) each chunk's pass takes half, t = T/2.
// Activation memory: `activation_memory` M per micro-batch and chunk, held from
// F's end to W's end (split backward) or to the fused B's end (1F1B), so peaks
// are counted in micro-batches (chunks) in flight.
#include <gtest/gtest.h>

#include "tests/support/pipeline_recurrence.hpp"
#include "tests/support/scenario_support.hpp"

#include <fmt/format.h>

#include <map>

#include "sim/run/simulation.hpp"
#include "workloads/pipeline_profiled.hpp"
#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_v_half.hpp"
#include "workloads/schedules/pipeline_zb_h1.hpp"
#include "workloads/schedules/pipeline_zb_h2.hpp"
#include "workloads/schedules/pipeline_zb_v.hpp"

namespace orrery::zero_bubble_test {
namespace {

using test::number;
using test::numbers;
using test::recurrence;
using test::text_of;

using workload::PipeOpType;

struct Case {
  int p = 4;
  int m = 8;
  int v = 1;
  std::string schedule = "zb_h1";
  std::int64_t tf_us = 1000;
  std::int64_t tb_us = 1000;
  std::int64_t tw_us = 1000;
  std::string act = "0 B";
  std::string latency = "0 ns";
  std::string network = "flow";
  std::string optimizer_step{};  // empty: the schedule's default
};

constexpr std::int64_t kGiB = 1LL << 30;

std::string text(const Case& c) {
  return fmt::format(R"(
cluster: {{ nodes: {p}, scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "{lat}" }} }}
workload:
  kind: pipeline
  stages: {p}
  micro_batches: {m}
  chunks: {v}
  schedule: {s}
  activation_size: "{act}"
  activation_memory: "1 GiB"
  compute: {{ model: profiled, forward: "{tf} us", backward: "{tb} us", weight: "{tw} us" }}{step}
network: {{ model: {net} }}
)",
                     fmt::arg("p", c.p), fmt::arg("m", c.m), fmt::arg("v", c.v), fmt::arg("s", c.schedule),
                     fmt::arg("lat", c.latency), fmt::arg("act", c.act), fmt::arg("tf", c.tf_us),
                     fmt::arg("tb", c.tb_us), fmt::arg("tw", c.tw_us), fmt::arg("net", c.network),
                     fmt::arg("step", c.optimizer_step.empty() ? "" : "\n  optimizer_step: " + c.optimizer_step));
}

run::RunOutput run(const Case& c) {
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text(c), "case.yaml", {}, std::nullopt));
}

std::string where(const Case& c) {
  return fmt::format("{} p={} m={} T_F={} T_B={} T_W={} us", c.schedule, c.p, c.m, c.tf_us, c.tb_us, c.tw_us);
}

// Checks iteration time, bubble_s and bubble_fraction against closed forms
// (ns); `isolated_ns`, when given, is the isolated iteration's makespan where
// it differs from the iteration period (post-validation).
void expect_times(const Case& c, const run::RunOutput& r, std::int64_t iteration_ns, std::int64_t bubble_ns,
                  std::int64_t isolated_ns = -1) {
  const double work_ns = static_cast<double>(c.m * (c.tf_us + c.tb_us + c.tw_us) * 1000);
  EXPECT_NEAR(number(r, "iteration_time_s"), static_cast<double>(iteration_ns) * 1e-9, 1e-12) << where(c);
  EXPECT_NEAR(number(r, "isolated_iteration_time_s"),
              static_cast<double>(isolated_ns >= 0 ? isolated_ns : iteration_ns) * 1e-9, 1e-12)
      << where(c);
  EXPECT_NEAR(number(r, "bubble_s"), static_cast<double>(bubble_ns) * 1e-9, 1e-12) << where(c);
  EXPECT_NEAR(number(r, "bubble_fraction"), 1.0 - work_ns / static_cast<double>(iteration_ns), 1e-12)
      << where(c);
}

void expect_peak_on_every_stage(const Case& c, const run::RunOutput& r, std::int64_t chunks_in_flight) {
  ASSERT_EQ(r.recorder->memory().size(), static_cast<std::size_t>(c.p));
  for (const auto& row : r.recorder->memory()) {
    EXPECT_EQ(row.peak, chunks_in_flight * kGiB) << where(c) << " device " << row.device;
  }
}

TEST(ZeroBubble, ZbH1MatchesTable2) {
  // Table 2: bubble (p−1)(T_F+T_B−T_W), peak p·M_B — on every stage here,
  // since W keeps M_B (the paper's M_W < M_B makes later stages lighter).
  // Valid for T_W ≤ T_F (pipeline_zb_h1.hpp). With T_W ≤ T_B too, stage 0
  // spans the iteration: T = m(T_F+T_B+T_W) + (p−1)(T_F+T_B−T_W); with
  // T_B < T_W the last stage's late start (p−1)·T_F is longer.
  for (const auto& [tf, tb, tw] : std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
           {1000, 1000, 1000}, {1500, 2000, 1000}, {2000, 3000, 1000}, {3000, 1000, 2000}}) {
    for (const auto& [p, m] :
         std::vector<std::pair<int, int>>{{4, 8}, {2, 3}, {3, 7}, {5, 12}, {4, 4}, {6, 6}, {8, 16}}) {
      Case c{.p = p, .m = m, .schedule = "zb_h1", .tf_us = tf, .tb_us = tb, .tw_us = tw};
      const auto r = run(c);
      const std::int64_t bubble = (p - 1) * (tf + tb - tw) * 1000;
      const std::int64_t head = (p - 1) * std::max(tf, tf + tb - tw) * 1000;
      expect_times(c, r, m * (tf + tb + tw) * 1000 + head, bubble);
      expect_peak_on_every_stage(c, r, p);  // m ≥ p in every case here
    }
  }
}

TEST(ZeroBubble, ZbH2MatchesTable2) {
  // Table 2: bubble (p−1)(T_F+T_B−2T_W), zero when T_F = T_B = T_W; peak
  // (2p−1)·M_B; for m ≥ 2p−1, T_W ≤ T_F and 2T_W ≤ T_F+T_B. The isolated
  // iteration is m(T_F+T_B+T_W) + (p−1)·max(T_F, T_F+T_B−2T_W): stage s
  // starts s·T_F late and, in the parallelogram, ends as late. ZB-H2
  // post-validates by default (§4), so an iteration repeats every longest
  // stage span, the §5.3 cost m(T_F+T_B+T_W) + bubble, and bubble_fraction is
  // the paper's bubble rate over it; with `optimizer_step: synchronized` the
  // iteration is the isolated one.
  for (const auto& [tf, tb, tw] : std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
           {1000, 1000, 1000}, {1500, 2000, 1000}, {2000, 3000, 1000}, {2000, 1000, 1000}}) {
    for (const auto& [p, m] :
         std::vector<std::pair<int, int>>{{4, 7}, {4, 8}, {2, 3}, {3, 5}, {5, 12}, {6, 11}, {8, 20}}) {
      Case c{.p = p, .m = m, .schedule = "zb_h2", .tf_us = tf, .tb_us = tb, .tw_us = tw};
      const auto r = run(c);
      const std::int64_t bubble = (p - 1) * (tf + tb - 2 * tw) * 1000;
      const std::int64_t head = (p - 1) * std::max(tf, tf + tb - 2 * tw) * 1000;
      const std::int64_t work = m * (tf + tb + tw) * 1000;
      expect_times(c, r, work + bubble, bubble, work + head);
      EXPECT_EQ(text_of(r, "optimizer_step"), "post_validation");
      expect_peak_on_every_stage(c, r, 2 * p - 1);
      c.optimizer_step = "synchronized";
      expect_times(c, run(c), work + head, bubble);
    }
  }
}

TEST(ZeroBubble, ZbVHasNoBubbleAtOneFOneBMemory) {
  // §6: with T_F = T_B = T_W = T, zero bubble at peak p·M_B, i.e. 2p chunk
  // activations on every device. Exact for m ≥ 2p−1 (pipeline_zb_v.hpp): no
  // idle inside any device's span, and the isolated iteration is
  // m(T_F+T_B+T_W) + (p−1)·T_F/2 — device p−1 cannot start before chunk 0's
  // first forward has crossed p−1 devices at t = T/2 each, then never waits.
  for (const auto& [p, m] :
       std::vector<std::pair<int, int>>{{4, 7}, {4, 8}, {2, 3}, {3, 5}, {3, 9}, {6, 12}, {8, 16}, {1, 3}}) {
    Case c{.p = p, .m = m, .v = 2, .schedule = "zb_v"};
    const auto r = run(c);
    // Post-validated by default: every device's span is its busy time, 3m·T.
    expect_times(c, r, m * 3'000'000, 0, m * 3'000'000 + (p - 1) * 500'000);
    expect_peak_on_every_stage(c, r, 2 * p);
  }
  // Below m = 2p−1 (and m ≥ p): bubble (2p−1−m)·t, isolated iteration 6m·t +
  // max(p−1, 3p−3−m)·t; post-validated, 6m·t + the bubble.
  for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 4}, {4, 6}, {5, 5}, {6, 8}}) {
    Case c{.p = p, .m = m, .v = 2, .schedule = "zb_v"};
    const std::int64_t isolated = (6 * m + std::max(p - 1, 3 * p - 3 - m)) * 500'000;
    const std::int64_t bubble = (2 * p - 1 - m) * 500'000;
    expect_times(c, run(c), 6 * m * 500'000 + bubble, bubble, isolated);
    c.optimizer_step = "synchronized";
    expect_times(c, run(c), isolated, bubble);
  }
}

TEST(ZeroBubble, VHalfHoldsAboutHalfOfOneFOneBsMemory) {
  // pipeline_v_half.hpp, T_F = T_B = T_W = T, t = T/2, m ≥ p: the busiest device
  // holds p+1 chunk activations for odd p, p+2 for even p (1F1B: 2p chunks, p whole
  // micro-batches); device d idles (b − 2d)·t with b = 7(p−1)/2 (odd p) or
  // (7p−4)/2 (even p); device 0 spans the iteration, 6m·t + b·t.
  for (const auto& [p, m] :
       std::vector<std::pair<int, int>>{{4, 8}, {3, 6}, {5, 5}, {6, 12}, {2, 2}, {7, 9}, {1, 2}}) {
    Case c{.p = p, .m = m, .v = 2, .schedule = "v_half"};
    const auto r = run(c);
    const int b = p % 2 == 1 ? 7 * (p - 1) / 2 : (7 * p - 4) / 2;
    expect_times(c, r, (6 * m + b) * 500'000, b * 500'000);
    const auto per_stage = numbers(r, "bubble_s_per_stage");
    ASSERT_EQ(per_stage.size(), static_cast<std::size_t>(p));
    for (int d = 0; d < p; ++d)
      EXPECT_NEAR(per_stage[static_cast<std::size_t>(d)], (b - 2 * d) * 5e-4, 1e-12);
    EXPECT_EQ(number(r, "peak_memory_bytes"), static_cast<double>((p % 2 == 1 ? p + 1 : p + 2) * kGiB))
        << where(c);
  }
}

TEST(ZeroBubble, OneFOneBFusesTheWeightGradient) {
  // Table 2: 1F1B, whose backward is B and W fused, bubble (p−1)(T_F+T_B+T_W)
  // and peak p·M_B on stage 0; iteration (m+p−1)(T_F+T_B+T_W) (GPipe too).
  // Stage 0 spans the iteration, so bubble_s = bubble_fraction·T there.
  for (const std::string schedule : {"1f1b", "gpipe"}) {
    for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {2, 3}, {5, 12}, {6, 6}}) {
      Case c{.p = p, .m = m, .schedule = schedule, .tf_us = 1000, .tb_us = 1500, .tw_us = 700};
      const auto r = run(c);
      expect_times(c, r, (m + p - 1) * 3'200'000, (p - 1) * 3'200'000);
      int weight_tasks = 0;
      for (const auto& s : r.recorder->spans())
        weight_tasks += s.kind == static_cast<int>(task::TaskKind::kWeightGrad);
      EXPECT_EQ(weight_tasks, 0) << where(c);
      if (schedule == "1f1b") {
        EXPECT_EQ(r.recorder->memory().front().peak, p * kGiB) << where(c);
      }
    }
  }
}

TEST(ZeroBubble, SplitSchedulesEmitOneWeightGradientTaskPerOperation) {
  for (const auto& [schedule, v] :
       std::vector<std::pair<std::string, int>>{{"zb_h1", 1}, {"zb_h2", 1}, {"zb_v", 2}, {"v_half", 2}}) {
    Case c{.p = 4, .m = 6, .v = v, .schedule = schedule};
    const auto r = run(c);
    std::map<std::tuple<int, int, int>, int> count;  // (kind, micro-batch, device) → tasks
    for (const auto& s : r.recorder->spans()) ++count[{s.kind, s.micro_batch, s.device}];
    for (const int kind :
         {static_cast<int>(task::TaskKind::kForward), static_cast<int>(task::TaskKind::kBackward),
          static_cast<int>(task::TaskKind::kWeightGrad)}) {
      for (int mb = 0; mb < c.m; ++mb) {
        for (int d = 0; d < c.p; ++d) EXPECT_EQ((count[{kind, mb, d}]), v) << schedule << " kind " << kind;
      }
    }
  }
}

TEST(ZeroBubble, OpTimesSplitOrFuseTheBackward) {
  workload::PipelineParams p;
  p.stages = 2;
  p.micro_batches = 2;
  p.chunks = 2;
  p.forward = {Duration::ms(2)};
  p.backward = {Duration::ms(3), Duration::ms(4)};
  p.weight = {Duration::ms(1), Duration::ms(6)};
  p.schedule = std::make_shared<workload::ZbVSchedule>();
  const workload::PipelineWorkload split(p);
  EXPECT_EQ(split.op_time(PipeOpType::kForward, 1), Duration::ms(1));  // each chunk half the stage's time
  EXPECT_EQ(split.op_time(PipeOpType::kBackward, 1), Duration::ms(2));
  EXPECT_EQ(split.op_time(PipeOpType::kWeight, 1), Duration::ms(3));
  p.chunks = 1;
  p.schedule = std::make_shared<workload::OneFOneBSchedule>();
  const workload::PipelineWorkload fused(p);
  EXPECT_EQ(fused.op_time(PipeOpType::kBackward, 0), Duration::ms(4));  // B + W
  EXPECT_EQ(fused.op_time(PipeOpType::kBackward, 1), Duration::ms(10));
}

TEST(ZeroBubble, EveryScheduleOrdersEachOperationOnceAndAfterItsInputsOnTheDevice) {
  const workload::ZbH1Schedule h1;
  const workload::ZbH2Schedule h2;
  const workload::ZbVSchedule zbv;
  const workload::VHalfSchedule vhalf;
  for (const workload::Schedule* s :
       std::initializer_list<const workload::Schedule*>{&h1, &h2, &zbv, &vhalf}) {
    const int v = s->check_chunks(2, "chunks").empty() ? 2 : 1;
    for (const auto& [p, m] :
         std::vector<std::pair<int, int>>{{4, 8}, {4, 4}, {3, 10}, {1, 3}, {5, 5}, {6, 13}, {2, 1}}) {
      if (!s->check({p, m, v}).empty()) continue;
      const auto order = s->order({p, m, v});
      ASSERT_EQ(order.size(), static_cast<std::size_t>(p)) << s->name();
      for (const auto& ops : order) {
        std::map<std::tuple<int, int, int>, int> seen;
        for (const auto& o : ops) {
          // F before B before W of the same micro-batch and chunk on this device.
          if (o.type != PipeOpType::kForward) {
            const auto before =
                o.type == PipeOpType::kBackward ? PipeOpType::kForward : PipeOpType::kBackward;
            EXPECT_EQ((seen[{static_cast<int>(before), o.micro_batch, o.chunk}]), 1)
                << s->name() << " p=" << p;
          }
          ++seen[{static_cast<int>(o.type), o.micro_batch, o.chunk}];
        }
        EXPECT_EQ(ops.size(), static_cast<std::size_t>(3 * m * v)) << s->name() << " p=" << p << " m=" << m;
        for (const auto& [key, n] : seen) EXPECT_EQ(n, 1) << s->name();
      }
    }
  }
}

TEST(ZeroBubble, WithCommunicationMatchesAnIndependentRecurrence) {
  // c = 5 us + ⌈32 MiB / 50 GB/s⌉ = 5000 + 671089 ns per stage boundary, as in
  // pipeline_test.cpp. ZB-H1 sends one activation and one gradient per
  // micro-batch per boundary, each on its own directed link and spaced by
  // at least T_F or T_B > c, so the flow model agrees with the
  // contention-free recurrence. ZB-V's device d → d+1 link carries chunk 0's
  // activations and chunk 1's gradients, which can overlap: checked under the
  // analytic model only (alpha-beta per transfer, no sharing).
  const std::int64_t hop = 5000 + 671089;
  const workload::ZbH1Schedule h1;
  const workload::ZbVSchedule zbv;
  const workload::VHalfSchedule vhalf;
  for (const auto& [p, m, network] : std::vector<std::tuple<int, int, std::string>>{
           {4, 8, "flow"}, {2, 6, "flow"}, {5, 12, "flow"}, {4, 8, "analytic"}, {6, 6, "analytic"}}) {
    Case c{.p = p,
           .m = m,
           .schedule = "zb_h1",
           .tf_us = 1500,
           .tb_us = 2000,
           .tw_us = 1000,
           .act = "32 MiB",
           .latency = "5 us",
           .network = network};
    EXPECT_NEAR(number(run(c), "iteration_time_s"),
                static_cast<double>(recurrence(h1, p, m, 1, 1'500'000, 2'000'000, 1'000'000, hop)) * 1e-9,
                1e-15)
        << where(c) << " " << network;
  }
  for (const auto& [schedule, s] :
       std::vector<std::pair<std::string, const workload::Schedule*>>{{"zb_v", &zbv}, {"v_half", &vhalf}}) {
    for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 5}, {5, 10}}) {
      Case c{.p = p,
             .m = m,
             .v = 2,
             .schedule = schedule,
             .tf_us = 2000,
             .tb_us = 2000,
             .tw_us = 2000,
             .act = "32 MiB",
             .latency = "5 us",
             .network = "analytic"};
      const auto r = run(c);
      std::int64_t span = 0;
      const std::int64_t makespan = recurrence(*s, p, m, 2, 1'000'000, 1'000'000, 1'000'000, hop, &span);
      EXPECT_NEAR(number(r, "isolated_iteration_time_s"), static_cast<double>(makespan) * 1e-9, 1e-15) << where(c);
      // zb_v post-validates by default (its period is the longest device span), v_half does not.
      EXPECT_NEAR(number(r, "iteration_time_s"), static_cast<double>(schedule == "zb_v" ? span : makespan) * 1e-9,
                  1e-15)
          << where(c);
      // 2p−1 boundaries between virtual stages, the V's bottom (p−1 → p) on one
      // device: 2p−2 cross devices, each an activation and a gradient per micro-batch.
      EXPECT_EQ(number(r, "comm_bytes"), 2.0 * (2 * p - 2) * m * 33554432) << where(c);
    }
  }
}

}  // namespace
}  // namespace orrery::zero_bubble_test
