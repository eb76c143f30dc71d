// Task sources: work submitted while the run goes (arrivals, completions),
// alongside a fixed graph. Expected times are closed forms on the analytic
// network of a 10 GB/s, 2 us chain: a transfer between neighbours takes
// 2000 ns + bytes / 10 B/ns; compute holds its device for its duration and a
// device serves its ready tasks first come, first served.
#include <gtest/gtest.h>

#include <vector>

#include "sim/core/error.hpp"
#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "sim/task/task_source.hpp"
#include "tests/exec/chain_cluster.hpp"

namespace orrery::exec::task_source_test {
namespace {

using task::ComputeWork;
using task::TaskGraph;
using task::TaskKind;
using task::TransferWork;
using task::TaskSink;
using task::TaskSource;

Time at_us(std::int64_t us) { return Time::zero() + Duration::us(us); }

// Requests arrive every 10 us; each is 15 us of compute on device 0, and when
// it ends its 1 MB result goes to device 1.
class Arrivals final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    for (int k = 0; k < 5; ++k) {
      sink.wake_at(at_us(10 * k), [this, &sink] {
        computes.push_back(sink.submit(ComputeWork(DeviceId(0), Duration::us(15)), TaskKind::kCompute, "request", {}));
      });
    }
  }
  void finished(TaskSink& sink, TaskId t) override {
    for (TaskId c : computes) {
      if (c == t) sends.push_back(sink.submit(TransferWork{DeviceId(0), DeviceId(1), Bytes(1'000'000)},
                                              TaskKind::kSend, "result", std::vector<TaskId>{t}));
    }
  }
  std::vector<TaskId> computes, sends;
};

struct Outcome {
  task::TaskTimes times;
  std::vector<DeviceMemory> memory;
};

Outcome execute(const TaskGraph& g, TaskSource& source, int devices = 3) {
  const Cluster cluster(test::chain_of(devices));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  Executor ex(engine, cluster, network, g, nullptr);
  ex.add_source(source);
  Outcome r;
  r.times = ex.run();
  r.memory = ex.memory();
  return r;
}

TEST(TaskSource, ArrivalsQueueOnTheirDeviceAndCompletionsSubmitMore) {
  TaskGraph empty;
  Arrivals source;
  const Outcome r = execute(empty, source);
  ASSERT_EQ(source.computes.size(), 5u);
  ASSERT_EQ(source.sends.size(), 5u);
  // D/D/1 with service 15 us > spacing 10 us: the device never idles after
  // the first arrival, so request k starts at 15k us and ends at 15(k+1) us.
  for (int k = 0; k < 5; ++k) {
    const auto c = static_cast<std::size_t>(source.computes[static_cast<std::size_t>(k)].value());
    EXPECT_EQ(r.times.start[c], at_us(15 * k)) << k;
    EXPECT_EQ(r.times.end[c], at_us(15 * (k + 1))) << k;
    // Its result leaves when it ends: 2000 ns + 1e6 B / 10 B/ns = 102 us.
    const auto s = static_cast<std::size_t>(source.sends[static_cast<std::size_t>(k)].value());
    EXPECT_EQ(r.times.start[s], at_us(15 * (k + 1)));
    EXPECT_EQ(r.times.end[s], at_us(15 * (k + 1) + 102));
  }
  EXPECT_EQ(r.times.makespan, at_us(75 + 102));
}

// Submitted tasks may wait on the fixed graph's tasks, finished or not.
class AfterGraph final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    early = sink.submit(ComputeWork(DeviceId(2), Duration::us(5)), TaskKind::kCompute, "early", std::vector<TaskId>{TaskId(0)});
    sink.wake_at(at_us(60), [this, &sink] {
      was_finished = sink.finished(TaskId(0));
      late = sink.submit(ComputeWork(DeviceId(2), Duration::us(5)), TaskKind::kCompute, "late", std::vector<TaskId>{TaskId(0)});
    });
  }
  TaskId early, late;
  bool was_finished = false;
};

TEST(TaskSource, SubmittedTasksWaitForTheFixedGraph) {
  TaskGraph g;
  g.add(ComputeWork(DeviceId(1), Duration::us(50)), TaskKind::kCompute, "fixed");
  AfterGraph source;
  const Outcome r = execute(g, source);
  EXPECT_EQ(r.times.end[0], at_us(50));
  // Submitted at time zero, it waits for the fixed task's end.
  EXPECT_EQ(r.times.start[static_cast<std::size_t>(source.early.value())], at_us(50));
  // Submitted at 60 us after the fixed task ended: ready at once.
  EXPECT_TRUE(source.was_finished);
  EXPECT_EQ(r.times.start[static_cast<std::size_t>(source.late.value())], at_us(60));
  EXPECT_EQ(r.times.makespan, at_us(65));
}

// Memory effects of submitted tasks apply when they end.
class Allocates final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    const task::MemoryEffect grow{DeviceId(0), task::MemoryCategory::kActivations, Bytes(1 << 30)};
    const task::MemoryEffect shrink{DeviceId(0), task::MemoryCategory::kActivations, Bytes(-(1 << 30))};
    const TaskId a = sink.submit(ComputeWork(DeviceId(0), Duration::us(1)), TaskKind::kCompute, "a", {},
                                 std::vector<task::MemoryEffect>{grow});
    sink.submit(ComputeWork(DeviceId(0), Duration::us(1)), TaskKind::kCompute, "b", std::vector<TaskId>{a},
                std::vector<task::MemoryEffect>{shrink});
  }
};

TEST(TaskSource, MemoryEffectsOfSubmittedTasks) {
  TaskGraph empty;
  Allocates source;
  const Outcome r = execute(empty, source);
  EXPECT_EQ(r.memory[0].peak, std::int64_t{1} << 30);  // a's 1 GiB, freed by b
  EXPECT_EQ(r.memory[0].current[static_cast<std::size_t>(task::MemoryCategory::kActivations)], 0);
}

class BadDevice final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    sink.submit(ComputeWork(DeviceId(99), Duration::us(1)), TaskKind::kCompute, "lost", {});
  }
};
class BadDependency final : public TaskSource {
 public:
  void begin(TaskSink& sink) override {
    sink.submit(ComputeWork(DeviceId(0), Duration::us(1)), TaskKind::kCompute, "orphan", std::vector<TaskId>{TaskId(7)});
  }
};

TEST(TaskSource, BadSubmissionsAreRejectedWithTheTaskNamed) {
  TaskGraph empty;
  BadDevice device;
  try {
    execute(empty, device);
    FAIL() << "expected InfeasibleError";
  } catch (const InfeasibleError& e) {
    EXPECT_EQ(std::string(e.what()), "task 'lost': names a device outside the cluster's 3 devices");
  }
  BadDependency dependency;
  try {
    execute(empty, dependency);
    FAIL() << "expected InfeasibleError";
  } catch (const InfeasibleError& e) {
    EXPECT_EQ(std::string(e.what()), "task 'orphan' waits for task 7, which does not exist yet");
  }
}

}  // namespace
}  // namespace orrery::exec::task_source_test
