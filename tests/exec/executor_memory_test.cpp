// The executor's memory peaks (exec::DeviceMemory). One task's effects apply
// in their order, so its peak is the highest of its running sums; the tasks
// that end in one ns may run in any order (the network and the graph's shape
// decide it), so the peak of the instant is the highest over every order of
// them: start + Σ_{j≠k, n_j>0} n_j + e_k, at its best k.
//
// Device 0 starts with 6 B of buffers (a gathered weight). Task A frees it
// after allocating 10 B of activations: effects +10 act, −6 buf (net n_A = 4,
// highest running sum e_A = 10). Task B gathers the next weight: +5 buf
// (n_B = e_B = 5). Worked by hand:
//  * A alone: 6 → 16 → 10: peak 16 (act 10, buf 6);
//  * A and B in one ns: A then B peaks at 16, B then A at 6 + 5 + 10 = 21
//    (act 10, buf 11); the formula: 6 + n_B + e_A = 6 + 5 + 10 = 21, or
//    6 + n_A + e_B = 6 + 4 + 5 = 15 for k = B: 21, whichever task the graph
//    lists first;
//  * B ten microseconds after A: 16 at A's end, then 10 → 15: peak 16.
#include <gtest/gtest.h>

#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "tests/exec/chain_cluster.hpp"

namespace orrery::exec {
namespace {

using task::ComputeWork;
using task::MemoryCategory;
using task::MemoryEffect;
using task::TaskGraph;
using task::TaskKind;

constexpr auto kAct = static_cast<std::size_t>(MemoryCategory::kActivations);
constexpr auto kBuf = static_cast<std::size_t>(MemoryCategory::kBuffers);

// A on device 0 for 10 us; B, when given, on device 1 for `b_us`; both
// effects on device 0's memory. `b_first`: B is the graph's first task.
DeviceMemory peak_of(bool with_b, std::int64_t b_us, bool b_first) {
  TaskGraph g;
  const DeviceId d0(0);
  g.initial_memory(MemoryEffect{d0, MemoryCategory::kBuffers, Bytes(6)});
  const auto add_a = [&] {
    const TaskId a = g.add(ComputeWork(d0, Duration::us(10)), TaskKind::kForward, "A");
    g.on_end(a, MemoryEffect{d0, MemoryCategory::kActivations, Bytes(10)});
    g.on_end(a, MemoryEffect{d0, MemoryCategory::kBuffers, Bytes(-6)});
  };
  const auto add_b = [&] {
    const TaskId b = g.add(ComputeWork(DeviceId(1), Duration::us(b_us)), TaskKind::kCompute, "B");
    g.on_end(b, MemoryEffect{d0, MemoryCategory::kBuffers, Bytes(5)});
  };
  if (with_b && b_first) add_b();
  add_a();
  if (with_b && !b_first) add_b();
  const Cluster cluster(test::chain_of(2));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  Executor ex(engine, cluster, network, g, nullptr);
  ex.run();
  return ex.memory()[0];
}

TEST(ExecutorMemory, OneTaskPeaksAtTheHighestOfItsRunningSums) {
  const DeviceMemory m = peak_of(false, 0, false);
  EXPECT_EQ(m.peak, 16);
  EXPECT_EQ(m.at_peak[kAct], 10);
  EXPECT_EQ(m.at_peak[kBuf], 6);
  EXPECT_EQ(m.current[kAct] + m.current[kBuf], 10);
}

TEST(ExecutorMemory, TasksEndingInOneNsPeakAtTheirWorstOrderWhateverTheGraphsOrder) {
  for (const bool b_first : {false, true}) {
    const DeviceMemory m = peak_of(true, 10, b_first);
    EXPECT_EQ(m.peak, 21) << b_first;
    EXPECT_EQ(m.at_peak[kAct], 10) << b_first;
    EXPECT_EQ(m.at_peak[kBuf], 11) << b_first;
    EXPECT_EQ(m.current[kAct] + m.current[kBuf], 15) << b_first;
  }
}

TEST(ExecutorMemory, TasksAtDifferentTimesPeakOneAfterTheOther) {
  const DeviceMemory m = peak_of(true, 20, false);
  EXPECT_EQ(m.peak, 16);
  EXPECT_EQ(m.at_peak[kAct], 10);
  EXPECT_EQ(m.at_peak[kBuf], 6);
}

}  // namespace
}  // namespace orrery::exec
