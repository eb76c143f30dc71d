// A finished task releases its successors in the order of its graph row (the
// order the edges were added), whether the executor reads them from the row
// or from the task's own record (Executor::keep_successors: the next task
// i + 1 as a flag, up to two others in spare fields). The order shows on one
// device: successors that become ready at one instant queue there in the
// order they were released, so the k-th of the row, each taking d, starts at
// the root's end + k·d.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "tests/exec/chain_cluster.hpp"

namespace orrery::exec::executor_successors_test {
namespace {

using task::ComputeWork;
using task::MemoryCategory;
using task::MemoryEffect;
using task::TaskGraph;
using task::TaskKind;
using task::TransferWork;

constexpr std::int64_t kD = 1000;  // each successor's time on device 1 (ns)

struct Case {
  bool transfer = false;     // the root: a transfer from device 0 to 1, else compute on device 0
  bool root_effect = false;  // the root frees memory at its end
  int successors = 3;
  int next_place =
      0;  // where the task after the root (the first successor added) is in the row; -1: not a successor
};

// Adds the root, then the successors (after another task when next_place is
// -1), then the edges: the successors from the last added back, the first
// added moved to next_place. Checks their starts against that order (the row).
void expect_row_order(const Case& c) {
  TaskGraph g;
  const DeviceId d0(0), d1(1);
  const TaskId root = c.transfer ? g.add(TransferWork{d0, d1, Bytes(1000)}, TaskKind::kSend, "root")
                                 : g.add(ComputeWork(d0, Duration::ns(500)), TaskKind::kCompute, "root");
  if (c.root_effect) g.on_end(root, MemoryEffect{d0, MemoryCategory::kBuffers, Bytes(-1)});
  if (c.next_place < 0) (void)g.add(ComputeWork(d0, Duration::ns(1)), TaskKind::kCompute, "other");
  std::vector<TaskId> added;
  for (int k = 0; k < c.successors; ++k)
    added.push_back(g.add(ComputeWork(d1, Duration::ns(kD)), TaskKind::kCompute, "s"));
  std::vector<TaskId> row(added.rbegin(), added.rend() - 1);  // all but the first added, from the last back
  const auto place = static_cast<std::size_t>(std::max(c.next_place, 0));
  row.insert(row.begin() + static_cast<std::ptrdiff_t>(std::min(place, row.size())), added.front());
  for (const TaskId s : row) g.depend(root, s);
  if (c.root_effect) g.initial_memory(MemoryEffect{d0, MemoryCategory::kBuffers, Bytes(1)});

  const Cluster cluster(test::chain_of(2));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  Executor ex(engine, cluster, network, g, nullptr);
  const task::TaskTimes times = ex.run();
  const Time end = times.end[static_cast<std::size_t>(root.value())];
  for (std::size_t k = 0; k < row.size(); ++k) {
    EXPECT_EQ(times.start[static_cast<std::size_t>(row[k].value())].ns(),
              end.ns() + static_cast<std::int64_t>(k) * kD)
        << "transfer " << c.transfer << ", effect " << c.root_effect << ", " << c.successors
        << " successors, next at " << c.next_place << ": row place " << k;
  }
}

TEST(ExecutorSuccessors, AFinishedTaskReleasesItsSuccessorsInTheOrderOfItsRow) {
  for (const bool transfer : {false, true}) {
    for (const bool effect : {false, true}) {
      for (int n = 1; n <= 4; ++n) {
        for (int next = -1; next < n; ++next) expect_row_order(Case{transfer, effect, n, next});
      }
    }
  }
}

}  // namespace
}  // namespace orrery::exec::executor_successors_test
