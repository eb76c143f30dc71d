// The executor's collective tasks, on a hand-built task graph: a collective
// starts when its predecessors end, its successors start when its last
// transfer ends, and it runs the plan its algorithm lowers to. Times are the
// analytic network's alpha + ⌈bytes/beta⌉ per transfer, summed over the plan's
// steps (ring: 2(p−1) steps, Patarasuk & Yuan 2009).
#include <gtest/gtest.h>

#include "sim/exec/analytic_network.hpp"
#include "sim/exec/executor.hpp"
#include "sim/exec/flow_network.hpp"
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

// A plan with one wide join: n transfers from rank 0 to rank 1, all at once,
// transfer k of (k + 1) × 10 kB, then 1 MB from rank 1 to rank 2 that waits
// for all n. The executor counts a transfer's unfinished dependencies in a
// byte while no transfer waits on more than 255 and in four bytes past that:
// n = 200 and n = 300 take one path each.
class FanInAlgorithm final : public models::CollectiveAlgorithm {
 public:
  explicit FanInAlgorithm(int n) : n_(n) {}
  [[nodiscard]] std::string_view name() const override { return "fan_in"; }
  [[nodiscard]] std::string_view description() const override { return "n sends into rank 1, then one on"; }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kBroadcast; }
  [[nodiscard]] models::CollectivePlan lower(const models::CollectiveCall& call) const override {
    models::PlanBuilder b(call, n_);
    std::vector<int> ids;
    for (int k = 0; k < n_; ++k) {
      ids.push_back(b.send(models::Move{0, 1, k, 1, false, Bytes(std::int64_t{k + 1} * 10'000)}, {}));
    }
    b.send(models::Move{1, 2, 0, 1, false, Bytes(1'000'000)}, ids);
    return std::move(b).finish();
  }

 private:
  int n_;
};

TEST(ExecutorCollective, AWideJoinWaitsForEveryTransferUnderEitherCounterWidth) {
  for (const int n : {200, 300}) {
    SCOPED_TRACE(n);
    models::CollectiveLibrary library;
    library.add(std::make_shared<const FanInAlgorithm>(n));
    CollectiveWork c;
    c.op = CollectiveOp::kBroadcast;
    for (int i = 0; i < 3; ++i) c.group.emplace_back(i);
    c.bytes = Bytes(std::int64_t{n} * 1'000'000);
    c.algorithm = "fan_in";
    TaskGraph g;
    g.add(std::move(c), TaskKind::kCollective, "fan_in");
    const Cluster cluster(test::chain_of(3));
    sim::Engine engine;
    FlowNetwork network(engine, cluster);
    Executor ex(engine, cluster, network, g, nullptr, &library);
    const task::TaskTimes times = ex.run();
    // Max-min keeps the 10 GB/s link from 0 to 1 full until the largest of
    // the n flows ends, at Σ_k (k + 1) × 10 kB / 10 GB/s = n(n + 1)/2 us; it
    // arrives 2 us later, and the joined transfer takes 2 us + 1 MB / 10
    // GB/s. Within n ns: each of the n completions is rounded up to a whole
    // ns. (A join that started at its 256th predecessor's end, a byte's
    // counter wrapping, would end milliseconds early.)
    const double last = n * (n + 1) / 2.0 * 1'000.0;
    EXPECT_NEAR(static_cast<double>(times.end[0].ns()), last + 2'000 + 2'000 + 100'000, n);
    EXPECT_EQ(times.collectives.at(0).transfers, n + 1);
  }
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
