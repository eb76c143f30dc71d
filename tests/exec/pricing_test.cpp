// The pricing pass (sim/exec/pricing.hpp): cost expressions priced with a
// device and a collective pricer whose prices are chosen so that each expected
// figure is a closed form worked out in the comment beside it; the executor's
// refusal of a graph not priced; and the training lowering, which leaves
// every compute time to the pass.
#include <gtest/gtest.h>

#include <stdexcept>

#include "sim/core/error.hpp"
#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "sim/exec/pricing.hpp"
#include "sim/run/catalog.hpp"
#include "sim/run/run_context.hpp"
#include "sim/run/scenario.hpp"
#include "sim/task/task_source.hpp"
#include "tests/exec/chain_cluster.hpp"

namespace orrery::exec::pricing_test {
namespace {

using task::ComputeWork;
using task::DelayWork;
using task::Gemm;
using task::HostPath;
using task::TaskGraph;
using task::TaskKind;

// A GEMM takes m ns; it is calibrated unless n is 0. Host paths: PCIe 25 GB/s,
// host memory 100 GB/s, NVMe 10 GB/s read and 5 GB/s write.
class FixedDevice final : public task::DeviceModel {
 public:
  std::string_view name() const override { return "fixed"; }
  OperationCost cost(const task::Operation& op) const override {
    const auto& g = std::get<Gemm>(op);
    return {Duration::ns(g.m), g.n != 0, Duration{}};
  }
  FlopRate peak(task::DType) const override { return FlopRate::per_s(1e12); }
  Bytes memory_capacity() const override { return Bytes(1); }
  Bandwidth pcie_bandwidth() const override { return Bandwidth::bytes_per_s(25e9); }
  Bandwidth host_memory_bandwidth() const override { return Bandwidth::bytes_per_s(100e9); }
  Bandwidth nvme_read_bandwidth() const override { return Bandwidth::bytes_per_s(10e9); }
  Bandwidth nvme_write_bandwidth() const override { return Bandwidth::bytes_per_s(5e9); }
  Bytes host_memory_capacity() const override { return Bytes(0); }
  Bytes nvme_capacity() const override { return Bytes(0); }
};

// A collective of S bytes takes S ns and sends 2·S bytes.
class FixedCollectives final : public task::CollectivePricer {
 public:
  task::CollectivePrice price(const task::CollectiveWork& c) const override {
    ++calls;
    return {Duration::ns(c.bytes.count()), 2 * c.bytes.count(), "fixed"};
  }
  mutable int calls = 0;
};

// Two devices on a 10 GB/s chain, for the executor.
Gemm gemm(std::int64_t ns, bool calibrated = true) { return Gemm{ns, calibrated ? 1 : 0, 1, 1, task::DType::kBf16}; }

task::CollectiveWork all_reduce(std::int64_t bytes) {
  task::CollectiveWork w;
  w.group = {DeviceId(0), DeviceId(1)};
  w.bytes = Bytes(bytes);
  return w;
}

TEST(Pricing, ComputeTermsAreTruncatedPerTermAfterTheirMultiplier) {
  TaskGraph g;
  // Term 1: 2.5 × (3 + 4) ns = 17.5 → 17; term 2: 1 × 7 ns. 24 ns in all.
  // Uncalibrated: the 3 ns GEMM of term 1: ⌊2.5 × 1⌋ = 2 operations, ⌊2.5 × 3⌋ = 7 ns.
  const auto entry = g.add_cost(task::ComputeCost{
      {task::CostTerm{{gemm(3, false), gemm(4)}, 2.5}, task::CostTerm{{gemm(7)}, 1.0}}});
  ComputeWork w(DeviceId(0), Duration{});
  w.cost = entry;
  const TaskId t = g.add(w, TaskKind::kForward, "F");
  EXPECT_TRUE(g.needs_pricing());
  const FixedDevice device;
  const task::Prices prices = price(g, &device, nullptr);
  ASSERT_EQ(prices.compute.size(), 1u);
  EXPECT_EQ(prices.compute[0].time, Duration::ns(24));
  EXPECT_EQ(prices.compute[0].uncalibrated, 2);
  EXPECT_EQ(prices.compute[0].uncalibrated_time, Duration::ns(7));
  EXPECT_EQ(std::get<ComputeWork>(g.task(t).work).duration, Duration::ns(24));
  EXPECT_FALSE(g.needs_pricing());
}

TEST(Pricing, GroupEntriesSumTheirCallsAndAreSharedByTasks) {
  TaskGraph g;
  // Tail: 3 × 1000 ns + 1 × 500 ns = 3500 ns; bytes 3 × 2000 + 1 × 1000 = 7000.
  const auto tail = g.add_group_cost(task::GroupCost{{{all_reduce(1000), 3}, {all_reduce(500), 1}}});
  // Head: one 200-byte call: 200 ns, 400 bytes.
  const auto head = g.add_group_cost(task::GroupCost{{{all_reduce(200), 1}}});
  const auto compute = g.add_cost(task::ComputeCost{{task::CostTerm{{gemm(100)}, 1.0}}});
  for (int k = 0; k < 4; ++k) {  // four tasks share the three entries
    ComputeWork w(DeviceId(0), Duration{});
    w.cost = compute;
    w.head_cost = head;
    w.tail_cost = tail;
    (void)g.add(w, TaskKind::kForward, "F");
  }
  const FixedDevice device;
  const FixedCollectives collectives;
  (void)price(g, &device, &collectives);
  EXPECT_EQ(collectives.calls, 3);  // each call of each entry once, not once per task
  for (const auto& task : g.tasks()) {
    const auto& w = std::get<ComputeWork>(task.work);
    EXPECT_EQ(w.duration, Duration::ns(100));
    EXPECT_EQ(w.tail, Duration::ns(3500));
    EXPECT_EQ(w.tail_bytes, 7000);
    EXPECT_EQ(w.head, Duration::ns(200));
    EXPECT_EQ(w.head_bytes, 400);
  }
}

TEST(Pricing, HostTransfersTakeTheirPathsShareOfBandwidth) {
  TaskGraph g;
  const auto delay = [&](HostPath path, double bytes, int sharers) {
    DelayWork d{DeviceId(0), Duration{}, Bytes(0)};
    d.path = path;
    d.path_bytes = bytes;
    d.sharers = sharers;
    return g.add(d, TaskKind::kSend, "host");
  };
  const TaskId pcie = delay(HostPath::kPcie, 1e6, 1);        // 1 MB / 25 GB/s = 40 us
  const TaskId nvme = delay(HostPath::kNvmeRead, 1e6, 4);    // 1 MB / (10 GB/s / 4) = 400 us
  const TaskId host = delay(HostPath::kHostMemory, 333, 8);  // 333 B / 12.5 GB/s = 26.64 ns, rounded up to 27
  const FixedDevice device;
  (void)price(g, &device, nullptr);
  EXPECT_EQ(std::get<DelayWork>(g.task(pcie).work).duration, Duration::us(40));
  EXPECT_EQ(std::get<DelayWork>(g.task(nvme).work).duration, Duration::us(400));
  EXPECT_EQ(std::get<DelayWork>(g.task(host).work).duration, Duration::ns(27));
}

TEST(Pricing, WhatCannotBePricedIsRefused) {
  TaskGraph g;
  ComputeWork w(DeviceId(0), Duration{});
  w.cost = g.add_cost(task::ComputeCost{{task::CostTerm{{gemm(1)}, 1.0}}});
  (void)g.add(w, TaskKind::kForward, "F");
  EXPECT_THROW((void)price(g, nullptr, nullptr), std::logic_error);  // operations but no device

  const Cluster cluster(test::chain_of(2));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  EXPECT_THROW(Executor(engine, cluster, network, g, nullptr), std::logic_error);  // not priced yet
}

// A price so long that the run's clock could overflow summing the graph's
// tasks is infeasible, not undefined behaviour: with 2 tasks the cap is
// 2^62 / 3 ns ≈ 1.5e18 ns, and a 2^61 ns (2.3e18) task is over it.
TEST(Pricing, ATaskTooLongForTheClockIsInfeasible) {
  TaskGraph g;
  ComputeWork w(DeviceId(0), Duration{});
  w.cost = g.add_cost(task::ComputeCost{{task::CostTerm{{gemm(std::int64_t{1} << 61)}, 1.0}}});
  (void)g.add(w, TaskKind::kForward, "F");
  (void)g.add(w, TaskKind::kForward, "F");
  const FixedDevice device;
  EXPECT_THROW((void)price(g, &device, nullptr), InfeasibleError);
  TaskGraph ok;
  w.cost = ok.add_cost(task::ComputeCost{{task::CostTerm{{gemm(std::int64_t{1} << 60)}, 1.0}}});  // 1.15e18: under
  (void)ok.add(w, TaskKind::kForward, "F");
  (void)ok.add(w, TaskKind::kForward, "F");
  EXPECT_NO_THROW((void)price(ok, &device, nullptr));
}

// Submitted work carries its own times: a source cannot hand the executor a cost entry.
class SubmitsAnEntry final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    ComputeWork w(DeviceId(0), Duration::us(1));
    w.cost = 0;
    (void)sink.submit(w, TaskKind::kCompute, "unpriced", {});
  }
  void finished(TaskSink&, TaskId) override {}
};

TEST(Pricing, SubmittedWorkNamingACostEntryIsRejected) {
  const Cluster cluster(test::chain_of(2));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  const TaskGraph g;
  Executor executor(engine, cluster, network, g, nullptr);
  SubmitsAnEntry source;
  executor.add_source(source);
  EXPECT_THROW((void)executor.run(), InfeasibleError);
}

// Lowering is pure: the training graph names operations, and every compute
// task's time is its entry's price once the pass has run.
TEST(Pricing, TrainingLeavesEveryComputeTimeToThePass) {
  const run::Catalog catalog;
  const run::Scenario s = run::load_scenario(catalog, ORRERY_SOURCE_DIR "/scenarios/gpipe_training.yaml", {}, std::nullopt);
  const run::RunContext context(s);
  const workload::Lowered raw = s.workload->lower(context.shape());
  EXPECT_TRUE(raw.graph.needs_pricing());
  int priced = 0;
  for (const auto& t : raw.graph.tasks()) {
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
      EXPECT_EQ(c->duration, Duration{});  // nothing priced while lowering
      if (c->cost >= 0) ++priced;
    }
  }
  EXPECT_GT(priced, 0);
  const workload::Lowered l = context.lower(*s.workload);
  EXPECT_FALSE(l.graph.needs_pricing());
  for (const auto& t : l.graph.tasks()) {
    if (const auto* c = std::get_if<ComputeWork>(&t.work); c && c->cost >= 0) {
      EXPECT_EQ(c->duration, l.prices.compute.at(static_cast<std::size_t>(c->cost)).time);
      EXPECT_GT(c->duration, Duration{});
    }
  }
}

}  // namespace
}  // namespace orrery::exec::pricing_test
