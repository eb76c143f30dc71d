// The profiled pipeline, executed event by event, against the closed forms of
// ../shared/validation/README.md:
//  * GPipe and 1F1B, uniform stages, free communication: iteration
//    (m+p−1)(t_f+t_b), bubble fraction (p−1)/(m+p−1) (Huang et al. 2019;
//    Narayanan et al. SC21 §2.2);
//  * interleaved 1F1B with v chunks: bubble (p−1)(t_f+t_b)/v on top of the
//    ideal m(t_f+t_b) (SC21 §2.2.2);
//  * peak activations on the first stage: p micro-batches under 1F1B, m under GPipe.
// With communication c = α + ⌈S/β⌉ per stage boundary on a chain — under the
// analytic model, and under the default flow model too, since no two
// transfers here ever share a directed link at once (both are checked) —
// GPipe's iteration is (m+p−1)(t_f+t_b) + 2(p−1)c: the first
// micro-batch crosses p−1 boundaries forward and its gradient p−1 backward,
// and nothing else waits on a transfer. 1F1B's steady state waits on round
// trips, so it is checked against an independent recurrence over the same
// per-stage order: start = max(previous op on the stage, input ready + c).
#include <gtest/gtest.h>

#include "tests/support/pipeline_recurrence.hpp"
#include "tests/support/scenario_support.hpp"

#include <fmt/format.h>

#include <map>

#include "sim/run/simulation.hpp"
#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_gpipe.hpp"
#include "workloads/schedules/pipeline_interleaved.hpp"

namespace orrery {
namespace {

using test::number;
using test::recurrence;

struct Case {
  int p = 4;
  int m = 8;
  int v = 1;
  std::string schedule = "1f1b";
  std::int64_t tf_us = 1000;
  std::int64_t tb_us = 2000;
  std::string act = "0 B";
  std::string bandwidth = "50 GB/s";
  std::string latency = "0 ns";
  std::string act_memory = "1 GiB";
  std::string network = "flow";
};

std::string text(const Case& c) {
  return fmt::format(R"(
cluster: {{ nodes: {p}, scale_out: {{ kind: chain, link_bandwidth: "{bw}", link_latency: "{lat}", ring: {ring} }} }}
workload:
  kind: pipeline
  stages: {p}
  micro_batches: {m}
  chunks: {v}
  schedule: {s}
  activation_size: "{act}"
  activation_memory: "{mem}"
  compute: {{ model: profiled, forward: "{tf} us", backward: "{tb} us" }}
network: {{ model: {net} }}
)",
                     fmt::arg("p", c.p), fmt::arg("m", c.m), fmt::arg("v", c.v), fmt::arg("s", c.schedule),
                     fmt::arg("bw", c.bandwidth), fmt::arg("lat", c.latency), fmt::arg("act", c.act),
                     fmt::arg("mem", c.act_memory), fmt::arg("tf", c.tf_us), fmt::arg("tb", c.tb_us),
                     fmt::arg("ring", c.v > 1 ? "true" : "false"), fmt::arg("net", c.network));
}

run::RunOutput run(const Case& c) {
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text(c), "case.yaml", {}, std::nullopt));
}

TEST(Pipeline, GPipeAnd1F1BMatchTheClosedFormWithFreeCommunication) {
  for (const std::string schedule : {"gpipe", "1f1b"}) {
    for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {2, 1}, {8, 8}, {4, 32}, {1, 5}, {6, 3}}) {
      Case c;
      c.schedule = schedule;
      c.p = p;
      c.m = m;
      const auto r = run(c);
      const double t = (m + p - 1) * 3e-3;  // (m+p−1)(t_f+t_b), t_f+t_b = 3 ms
      EXPECT_NEAR(number(r, "iteration_time_s"), t, 1e-12) << schedule << " p=" << p << " m=" << m;
      EXPECT_NEAR(number(r, "bubble_fraction"), double(p - 1) / (m + p - 1), 1e-12) << schedule << " p=" << p;
    }
  }
}

TEST(Pipeline, InterleavedBubbleShrinksByTheNumberOfChunks) {
  for (const auto& [p, m, v] : std::vector<std::tuple<int, int, int>>{{4, 8, 2}, {4, 4, 2}, {2, 8, 4}, {4, 16, 3}}) {
    Case c;
    c.schedule = "interleaved_1f1b";
    c.p = p;
    c.m = m;
    c.v = v;
    c.tf_us = 1200;  // divisible by every v here, so each chunk's time is exact
    c.tb_us = 2400;
    const auto r = run(c);
    const double ideal = m * 3.6e-3;
    const double bubble = (p - 1) * 3.6e-3 / v;  // (p−1)(t_f+t_b)/v
    EXPECT_NEAR(number(r, "iteration_time_s"), ideal + bubble, 1e-12) << "p=" << p << " m=" << m << " v=" << v;
    EXPECT_NEAR(number(r, "bubble_fraction"), bubble / (ideal + bubble), 1e-12);
  }
}

TEST(Pipeline, GPipeWithCommunicationAddsTwoTransfersPerBoundary) {
  for (const std::string network : {"flow", "analytic"}) {
    Case c;
    c.schedule = "gpipe";
    c.act = "32 MiB";
    c.latency = "5 us";
    c.network = network;
    const auto r = run(c);
    // c = 5 us + 33554432 B / 50e9 B/s = 5000 + 671088.64 → 671089 ns (rounded up) = 676089 ns.
    const std::int64_t hop = 5000 + 671089;
    const std::int64_t expected = (c.m + c.p - 1) * 3'000'000 + 2 * (c.p - 1) * hop;
    EXPECT_NEAR(number(r, "iteration_time_s"), expected * 1e-9, 1e-15);
    // Every boundary carries m activations and m gradients.
    EXPECT_EQ(number(r, "comm_bytes"), 2.0 * (c.p - 1) * c.m * 33554432);
  }
}

TEST(Pipeline, OneFOneBWithCommunicationMatchesAnIndependentRecurrence) {
  const workload::OneFOneBSchedule one_f_one_b;
  const workload::GPipeSchedule gpipe;
  for (const auto& [p, m, network] : std::vector<std::tuple<int, int, std::string>>{
           {4, 8, "flow"}, {2, 6, "flow"}, {5, 12, "flow"}, {4, 8, "analytic"}}) {
    Case c;
    c.p = p;
    c.m = m;
    c.act = "32 MiB";
    c.latency = "5 us";
    c.network = network;
    const std::int64_t hop = 5000 + 671089;  // as in the GPipe test
    EXPECT_NEAR(number(run(c), "iteration_time_s"), recurrence(one_f_one_b, p, m, 1, 1'000'000, 2'000'000, 0, hop) * 1e-9,
                1e-15)
        << "p=" << p << " m=" << m;
    c.schedule = "gpipe";
    EXPECT_NEAR(number(run(c), "iteration_time_s"), recurrence(gpipe, p, m, 1, 1'000'000, 2'000'000, 0, hop) * 1e-9, 1e-15);
  }
}

TEST(Pipeline, PeakActivationsAreMicroBatchesInFlight) {
  // First stage: 1F1B holds p micro-batches, GPipe all m (validation README).
  Case c;
  c.p = 4;
  c.m = 8;
  const double gib = 1073741824.0;
  EXPECT_EQ(number(run(c), "peak_memory_bytes"), c.p * gib);
  c.schedule = "gpipe";
  EXPECT_EQ(number(run(c), "peak_memory_bytes"), c.m * gib);
  // Per stage under 1F1B: stage s holds p − s.
  c.schedule = "1f1b";
  const auto r = run(c);
  for (const auto& row : r.recorder->memory()) {
    EXPECT_EQ(row.peak, std::int64_t(c.p - row.device) * (1LL << 30)) << "device " << row.device;
    EXPECT_EQ(row.parts[3], row.peak);  // all of it activations
  }
}

TEST(Schedules, EveryOpRunsExactlyOnceOnEveryStage) {
  const workload::GPipeSchedule gpipe;
  const workload::OneFOneBSchedule one_f_one_b;
  const workload::InterleavedSchedule interleaved;
  for (const workload::Schedule* s : std::initializer_list<const workload::Schedule*>{&gpipe, &one_f_one_b, &interleaved}) {
    for (const auto& [p, m, v] : std::vector<std::tuple<int, int, int>>{{4, 8, 1}, {4, 8, 2}, {3, 9, 3}, {1, 4, 1}}) {
      if (v > 1 && !s->interleaved()) continue;
      const auto order = s->order({p, m, v});
      ASSERT_EQ(order.size(), static_cast<std::size_t>(p));
      for (const auto& ops : order) {
        std::map<std::tuple<int, int, int>, int> seen;
        for (const auto& o : ops) ++seen[{static_cast<int>(o.type), o.micro_batch, o.chunk}];
        EXPECT_EQ(seen.size(), static_cast<std::size_t>(2 * m * v)) << s->name();
        for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << s->name();
      }
    }
  }
}

TEST(Pipeline, SameScenarioTwiceGivesIdenticalSpans) {
  Case c;
  c.act = "32 MiB";
  c.latency = "5 us";
  const auto a = run(c);
  const auto b = run(c);
  ASSERT_EQ(a.recorder->spans().size(), b.recorder->spans().size());
  for (std::size_t i = 0; i < a.recorder->spans().size(); ++i) {
    const auto& x = a.recorder->spans()[i];
    const auto& y = b.recorder->spans()[i];
    EXPECT_TRUE(x.start == y.start && x.end == y.end && x.device == y.device && x.name == y.name) << i;
  }
}

TEST(PipelineInvalid, StagesMustMatchTheDevices) {
  Case c;
  const run::Catalog catalog;
  const auto s = run::parse_scenario(catalog, text(c), "case.yaml", {"cluster.nodes=3"}, std::nullopt);
  try {
    (void)run::simulate(s);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "case.yaml:5:11: error: workload.stages: 4 stages need 4 devices, one per stage, but the "
                           "cluster has 3");
  }
}

}  // namespace
}  // namespace orrery
