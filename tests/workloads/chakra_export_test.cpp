// The export of a task graph as Chakra (workloads/chakra/chakra_export.hpp)
// on a graph built by hand, with every kind of task and a dependency between
// tasks that share no rank, read back with the reader and merged
// (chakra_graph.hpp): the merge must give the graph's own tasks, in order,
// with its own dependencies and durations — the times given here, to the
// nanosecond.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/chakra_support.hpp"
#include "workloads/chakra/chakra_export.hpp"
#include "workloads/chakra/chakra_graph.hpp"

namespace orrery::chakra_export_test {
namespace {

using namespace task;
using workload::chakra::ImportedTask;
using Kind = ImportedTask::Kind;

TEST(ChakraExport, EveryTaskKindComesBack) {
  TaskGraph g;
  const TaskId a = g.add(ComputeWork(DeviceId(0), Duration::ns(1234)), TaskKind::kForward, "a");
  const TaskId b = g.add(ComputeWork(DeviceId(1), Duration::ns(99)), TaskKind::kForward, "b");  // waits for a: no shared rank
  const TaskId c = g.add(DelayWork{DeviceId(1), Duration::ns(7), Bytes(64)}, TaskKind::kOther, "c");
  const TaskId d = g.add(TransferWork{DeviceId(1), DeviceId(1), Bytes(10)}, TaskKind::kSend, "d");  // to itself
  CollectiveWork k;
  k.op = CollectiveOp::kReduce;
  k.group = {DeviceId(1), DeviceId(0)};
  k.bytes = Bytes(4096);
  k.root = 1;
  const TaskId e = g.add(k, TaskKind::kCollective, "e");
  g.depend(a, b);
  g.depend(b, c);
  g.depend(c, d);
  g.depend(d, e);
  g.depend(a, e);
  g.not_before(c, Time::zero() + Duration::ns(5));
  TaskTimes times;
  // Times as a run might give them (each task's duration is end − start).
  for (const std::int64_t t : {0, 1234, 1333, 1340, 1400}) times.start.push_back(Time::zero() + Duration::ns(t));
  for (const std::int64_t t : {1234, 1333, 1340, 1400, 2000}) times.end.push_back(Time::zero() + Duration::ns(t));
  std::vector<workload::chakra::RankTrace> ranks;
  const std::string groups = workload::chakra::export_trace(g, times, 2, [&](int rank, const std::string& bytes) {
    ranks.push_back(workload::chakra::parse_binary_trace(bytes, fmt::format("x.{}.et", rank), "workload.trace"));
  });
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_EQ(groups, "{\n  \"1\": [1, 0]\n}\n");
  // Rank 0: a, e, and the send that carries a -> b (an id past the tasks').
  ASSERT_EQ(ranks[0].nodes.size(), 3u);
  EXPECT_EQ(ranks[0].nodes[2].type, workload::chakra::kCommSendNode);
  EXPECT_TRUE(ranks[0].nodes[2].dependency_only);
  EXPECT_EQ(ranks[0].nodes[2].deps, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(ranks[0].nodes[0].duration_ns, 1234);
  EXPECT_EQ(ranks[0].nodes[0].duration_micros, 1u);  // 1.234 us, rounded

  const workload::chakra::CommGroups comm{{"1", {1, 0}}};
  workload::chakra::MergeOptions o;
  o.key = "workload.trace";
  o.groups = &comm;
  const auto back = workload::chakra::merge_ranks(ranks, o);
  ASSERT_EQ(back.tasks.size(), 5u);
  EXPECT_EQ(back.tasks[0].kind, Kind::kCompute);
  EXPECT_EQ(back.tasks[0].duration_ns, 1234);
  EXPECT_EQ(back.tasks[1].device, 1);
  EXPECT_EQ(back.tasks[1].duration_ns, 99);
  EXPECT_EQ(back.tasks[2].kind, Kind::kDelay);
  EXPECT_EQ(back.tasks[2].duration_ns, 7);
  EXPECT_EQ(back.tasks[2].bytes, 64);
  EXPECT_EQ(back.tasks[2].not_before_ns, 5);
  EXPECT_EQ(back.tasks[3].kind, Kind::kTransfer);
  EXPECT_EQ(back.tasks[3].device, 1);
  EXPECT_EQ(back.tasks[3].dst, 1);
  EXPECT_EQ(back.tasks[3].bytes, 10);
  const auto& reduce = back.tasks[4].collective;
  EXPECT_EQ(reduce.op, CollectiveOp::kReduce);
  EXPECT_EQ(reduce.group, k.group);
  EXPECT_EQ(reduce.bytes, k.bytes);
  EXPECT_EQ(reduce.root, 1);
  EXPECT_EQ(back.preds, (std::vector<std::vector<std::int32_t>>{{}, {0}, {1}, {2}, {0, 3}}));
}

}  // namespace
}  // namespace orrery::chakra_export_test
