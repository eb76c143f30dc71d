// The executor's collective tasks, on a hand-built task graph: a collective
// starts when its predecessors end, its successors start when its last
// transfer ends, and it runs the plan its algorithm lowers to. Times are the
// analytic network's alpha + ⌈bytes/beta⌉ per transfer, summed over the plan's
// steps (ring: 2(p−1) steps, Patarasuk & Yuan 2009).
#include <gtest/gtest.h>

#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "sim/run/catalog.hpp"
#include "sim/trace/recorder.hpp"
#include "tests/exec/chain_cluster.hpp"

namespace orrery::exec {
namespace {

using task::CollectiveOp;
using task::CollectiveWork;
using task::ComputeWork;
using task::TaskGraph;
using task::TaskKind;

using test::ring_of;  // p devices on a ring of 10 GB/s, 2 us links

CollectiveWork all_reduce(int p, std::int64_t bytes, std::string algorithm) {
  CollectiveWork c;
  c.op = CollectiveOp::kAllReduce;
  for (int i = 0; i < p; ++i) c.group.emplace_back(i);
  c.bytes = Bytes(bytes);
  c.algorithm = std::move(algorithm);
  return c;
}

struct Outcome {
  task::TaskTimes times;
  std::unique_ptr<trace::Recorder> recorder;
};

Outcome execute(const TaskGraph& g, int p) {
  const run::Catalog catalog;
  const Cluster cluster(ring_of(p));
  sim::Engine engine;
  AnalyticNetwork network(engine, cluster);
  Outcome r;
  r.recorder = std::make_unique<trace::Recorder>(std::vector<std::string>(task::kTaskKindCount, "k"));
  r.recorder->keep_timeline();
  Executor ex(engine, cluster, network, g, r.recorder.get(), catalog.collective_library.get());
  r.times = ex.run();
  return r;
}

TEST(ExecutorCollective, RunsBetweenItsPredecessorsAndSuccessors) {
  // compute 5 us on device 0 → ring all-reduce of 4 MB over 4 devices → compute 3 us on device 3.
  // Ring: 6 steps × (2000 + 1 MB / 10 GB/s = 100000 ns) = 612000 ns.
  TaskGraph g;
  const TaskId a = g.add(ComputeWork{DeviceId(0), Duration::us(5)}, TaskKind::kCompute, "a");
  const TaskId c = g.add(all_reduce(4, 4'000'000, "ring"), TaskKind::kCollective, "ar");
  const TaskId b = g.add(ComputeWork{DeviceId(3), Duration::us(3)}, TaskKind::kCompute, "b");
  g.depend(a, c);
  g.depend(c, b);
  const Outcome r = execute(g, 4);
  EXPECT_EQ(r.times.start[1].ns(), 5000);
  EXPECT_EQ(r.times.end[1].ns(), 5000 + 612000);
  EXPECT_EQ(r.times.end[2].ns(), 5000 + 612000 + 3000);
  const auto& rec = r.times.collectives.at(1);
  EXPECT_EQ(rec.algorithm, "ring");
  EXPECT_EQ(rec.transfers, 24);          // 2(p−1) steps × p
  EXPECT_EQ(rec.bytes, 24 * 1'000'000);  // each of S/p
  // Spans: a, b, the collective, and its 24 transfers (kind send, stage = step).
  std::size_t sends = 0;
  for (const auto& s : r.recorder->spans()) {
    if (s.kind == static_cast<std::int8_t>(TaskKind::kSend)) {
      ++sends;
      EXPECT_EQ(s.end - s.start, 102000);
      EXPECT_EQ(s.start, 5000 + s.stage * 102000);
    }
  }
  EXPECT_EQ(sends, 24u);
}

TEST(ExecutorCollective, OneRankAndRepeatedCollectives) {
  TaskGraph g;
  const TaskId one = g.add(all_reduce(1, 1000, "auto"), TaskKind::kCollective, "alone");
  const TaskId x = g.add(all_reduce(4, 4'000'000, "ring"), TaskKind::kCollective, "x");
  const TaskId y =
      g.add(all_reduce(4, 4'000'000, "ring"), TaskKind::kCollective, "y");  // the same plan, reused
  g.depend(one, x);
  g.depend(x, y);
  const Outcome r = execute(g, 4);
  EXPECT_EQ(r.times.end[0].ns(), 0);  // nothing to move
  EXPECT_EQ(r.times.end[2].ns(), 2 * 612000);
}

std::string error_of(const CollectiveWork& c, int p = 4) {
  TaskGraph g;
  g.add(c, TaskKind::kCollective, "bad");
  try {
    (void)execute(g, p);
  } catch (const InfeasibleError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ExecutorCollectiveInvalid, BadCollectivesAreInfeasible) {
  EXPECT_EQ(error_of(all_reduce(4, 8, "rign")),
            "task 'bad': unknown collective algorithm 'rign'; valid: auto, dim_rings, double_binary_tree, "
            "halving_doubling, hierarchical, ring");
  CollectiveWork c = all_reduce(4, 8, "direct");
  EXPECT_EQ(error_of(c),
            "task 'bad': algorithm 'direct' cannot run all_reduce; valid for it: auto, dim_rings, "
            "double_binary_tree, halving_doubling, hierarchical, ring");
  c = all_reduce(0, 8, "ring");
  EXPECT_EQ(error_of(c), "task 'bad': the group is empty");
  c = all_reduce(4, 8, "ring");
  c.group[2] = DeviceId(1);
  EXPECT_EQ(error_of(c), "task 'bad': device 1 appears twice in the group");
  c.group[2] = DeviceId(7);
  EXPECT_EQ(error_of(c), "task 'bad': device 7 is outside the cluster's 4 devices");
  c = all_reduce(4, 8, "hierarchical");
  EXPECT_EQ(error_of(c),
            "task 'bad': hierarchical: needs at least two nodes with at least two ranks each, but the "
            "group spans 4 node(s) with 1 rank(s) on the first");
}

}  // namespace
}  // namespace orrery::exec
