// The pipeline-graph builder (workloads/pipeline_graph.hpp) on its own, with a
// maker that records what it is asked. Expected counts are closed forms of
// the schedule's shape: m·p·v operations of each type (F, B, and W when the
// backward is split), and two sends per micro-batch at every boundary between
// consecutive virtual stages on different devices — p·v − 1 boundaries in the
// interleaved placement, 2p − 2 in the V placement, whose two middle virtual
// stages share device p − 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "workloads/pipeline_graph.hpp"
#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_interleaved.hpp"
#include "workloads/schedules/pipeline_zb_v.hpp"

namespace orrery::workload {
namespace {

// Device = stage, 10 ns per operation, 1 KiB of activations, sends as transfers.
class RecordingMaker final : public PipelineTaskMaker {
 public:
  ComputeWork compute(TaskGraph& /*g*/, const PlacedOp& o) override {
    placed.push_back(o);
    return ComputeWork{DeviceId(o.stage), Duration::ns(10)};
  }
  [[nodiscard]] Bytes activations(int /*virtual_stage*/) const override { return Bytes(1024); }
  [[nodiscard]] Work send(const PipelineSend& s) const override {
    return TransferWork{DeviceId(s.from_stage), DeviceId(s.to_stage), Bytes(1)};
  }
  std::vector<PlacedOp> placed;
};

struct Built {
  TaskGraph g;
  std::vector<PlacedOp> placed;
  std::size_t sends = 0;
};

Built build(const Schedule& s, PipelineShape shape, int replicas = 1) {
  PipelineGraph pipeline(s, shape, s.order(shape), replicas);
  Built out;
  RecordingMaker maker;
  pipeline.build(out.g, maker);
  out.placed = std::move(maker.placed);
  for (const Task& t : out.g.tasks()) out.sends += t.kind == TaskKind::kSend ? 1 : 0;
  return out;
}

bool depends(const TaskGraph& g, TaskId before, TaskId after) {
  const auto next = g.successors(before);
  return std::find(next.begin(), next.end(), after) != next.end();
}

TEST(PipelineGraph, OneFOneBHasAnOperationPerPassAndTwoSendsPerBoundary) {
  const OneFOneBSchedule s;
  const PipelineShape shape{4, 8, 1};
  const Built b = build(s, shape);
  EXPECT_EQ(b.placed.size(), 2u * 8 * 4);  // F and B of m micro-batches on p stages
  EXPECT_EQ(b.sends, 2u * 8 * 3);          // p − 1 boundaries
  EXPECT_EQ(b.g.size(), b.placed.size() + b.sends);
}

TEST(PipelineGraph, InterleavedChunksCrossEveryBoundary) {
  const InterleavedSchedule s;
  const PipelineShape shape{2, 4, 2};
  const Built b = build(s, shape);
  EXPECT_EQ(b.placed.size(), 2u * 4 * 2 * 2);
  EXPECT_EQ(b.sends, 2u * 4 * (2 * 2 - 1));  // p·v − 1 boundaries, all between devices
}

TEST(PipelineGraph, VPlacementKeepsTheMiddleOnOneDevice) {
  const ZbVSchedule s;
  const PipelineShape shape{3, 3, 2};
  PipelineGraph pipeline(s, shape, s.order(shape));
  EXPECT_EQ(pipeline.device_of(2), 2);  // chunk 0 ends on device p − 1 ...
  EXPECT_EQ(pipeline.device_of(3), 2);  // ... where chunk 1 starts
  EXPECT_EQ(pipeline.virtual_stage(1, 0), 5);
  const Built b = build(s, shape);
  EXPECT_EQ(b.placed.size(), 3u * 3 * 3 * 2);  // F, B and W
  EXPECT_EQ(b.sends, 2u * 3 * (2 * 3 - 2));
}

TEST(PipelineGraph, ChainsEachDeviceInItsOrderAndFollowsTheData) {
  const ZbVSchedule s;
  const PipelineShape shape{2, 2, 2};
  PipelineGraph pipeline(s, shape, s.order(shape));
  TaskGraph g;
  RecordingMaker maker;
  pipeline.build(g, maker);
  // Consecutive operations of a device's order are chained.
  for (int stage = 0; stage < 2; ++stage) {
    const auto& ord = pipeline.order(stage);
    for (std::size_t k = 1; k < ord.size(); ++k) {
      const auto id = [&](const PipeOp& o) {
        return pipeline.task(0, o.type, o.micro_batch, pipeline.virtual_stage(o.chunk, stage));
      };
      EXPECT_TRUE(depends(g, id(ord[k - 1]), id(ord[k]))) << stage << " " << k;
    }
  }
  for (int mb = 0; mb < 2; ++mb) {
    // W after B after F; the V's middle (virtual stages 1, 2 on device 1) is direct.
    EXPECT_TRUE(depends(g, pipeline.task(0, PipeOpType::kForward, mb, 0),
                        pipeline.task(0, PipeOpType::kBackward, mb, 0)));
    EXPECT_TRUE(depends(g, pipeline.task(0, PipeOpType::kBackward, mb, 3),
                        pipeline.task(0, PipeOpType::kWeight, mb, 3)));
    EXPECT_TRUE(depends(g, pipeline.task(0, PipeOpType::kForward, mb, 1),
                        pipeline.task(0, PipeOpType::kForward, mb, 2)));
    EXPECT_TRUE(depends(g, pipeline.task(0, PipeOpType::kBackward, mb, 2),
                        pipeline.task(0, PipeOpType::kBackward, mb, 1)));
  }
  // Activations: +M at the end of every F, −M at the end of every W.
  int allocs = 0, frees = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    for (const MemoryEffect& e : g.memory_effects(TaskId(static_cast<std::int32_t>(i)))) {
      (e.delta > Bytes(0) ? allocs : frees) += 1;
      EXPECT_EQ(g.tasks()[i].kind, e.delta > Bytes(0) ? TaskKind::kForward : TaskKind::kWeightGrad);
    }
  }
  EXPECT_EQ(allocs, 2 * 2 * 2);
  EXPECT_EQ(frees, 2 * 2 * 2);
  // The last W of virtual stage 0 (device 0) is the one latest in device 0's order.
  const auto& ord = pipeline.order(0);
  const auto last_w = std::find_if(ord.rbegin(), ord.rend(), [](const PipeOp& o) {
    return o.type == PipeOpType::kWeight && o.chunk == 0;
  });
  EXPECT_EQ(pipeline.last(0, PipeOpType::kWeight, 0),
            pipeline.task(0, PipeOpType::kWeight, last_w->micro_batch, 0));
}

TEST(PipelineGraph, ReplicasAddAllOperationsBeforeAnyDataFlow) {
  const OneFOneBSchedule s;
  const Built b = build(s, PipelineShape{2, 2, 1}, 3);
  const std::size_t ops = 3u * 2 * 2 * 2;  // replicas · m · p · (F, B)
  ASSERT_EQ(b.placed.size(), ops);
  for (std::size_t i = 0; i < ops; ++i) EXPECT_NE(b.g.tasks()[i].kind, TaskKind::kSend);
  EXPECT_EQ(b.sends, 3u * 2 * 2);
  EXPECT_EQ(b.placed.back().replica, 2);
}

// The last micro-batch's B in 3 pieces (the maker's choice), the rest whole.
class PiecesMaker final : public PipelineTaskMaker {
 public:
  explicit PiecesMaker(int micro_batches) : last_(micro_batches - 1) {}
  ComputeWork compute(TaskGraph& /*g*/, const PlacedOp& o) override {
    return ComputeWork{DeviceId(o.stage), Duration::ns(10)};
  }
  ComputeWork compute_piece(TaskGraph& /*g*/, const PlacedOp& o, int piece) override {
    return ComputeWork{DeviceId(o.stage), Duration::ns(100 + piece)};
  }
  [[nodiscard]] int pieces(const PlacedOp& o) const override {
    return o.op.type == PipeOpType::kBackward && o.op.micro_batch == last_ ? 3 : 1;
  }
  [[nodiscard]] Bytes activations(int /*virtual_stage*/) const override { return Bytes(1024); }
  [[nodiscard]] Work send(const PipelineSend& s) const override {
    return TransferWork{DeviceId(s.from_stage), DeviceId(s.to_stage), Bytes(1)};
  }

 private:
  int last_;
};

TEST(PipelineGraph, AnOperationInPiecesIsEnteredAtItsFirstAndLeftAtItsLast) {
  const OneFOneBSchedule s;
  const PipelineShape shape{2, 2, 1};
  PipelineGraph pipeline(s, shape, s.order(shape));
  TaskGraph g;
  PiecesMaker maker(2);
  pipeline.build(g, maker);
  // 2 stages × (2 F + 2 B) + 2 more pieces per stage, and 2 sends per micro-batch.
  EXPECT_EQ(g.size(), 2u * 4 + 2u * 2 + 2u * 2);
  for (int vs = 0; vs < 2; ++vs) {
    const auto pieces = pipeline.pieces(0, PipeOpType::kBackward, 1, vs);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces.front(), pipeline.entry(0, PipeOpType::kBackward, 1, vs));
    EXPECT_EQ(pieces.back(), pipeline.task(0, PipeOpType::kBackward, 1, vs));
    EXPECT_TRUE(depends(g, pieces[0], pieces[1]));
    EXPECT_TRUE(depends(g, pieces[1], pieces[2]));
    EXPECT_EQ(std::get<ComputeWork>(g.task(pieces[2]).work).duration, Duration::ns(102));
    // Its forward comes before the first piece; the activations are freed by the last.
    EXPECT_TRUE(depends(g, pipeline.task(0, PipeOpType::kForward, 1, vs), pieces[0]));
    EXPECT_FALSE(depends(g, pipeline.task(0, PipeOpType::kForward, 1, vs), pieces[2]));
    EXPECT_TRUE(g.memory_effects(pieces[0]).empty());
    ASSERT_EQ(g.memory_effects(pieces[2]).size(), 1u);
    EXPECT_LT(g.memory_effects(pieces[2])[0].delta, Bytes(0));
  }
  // The gradient sent down from stage 1 waits for its last piece, and stage 0's B waits for it before its first.
  const TaskId last_up = pipeline.task(0, PipeOpType::kBackward, 1, 1);
  bool sends_after_last = false;
  for (TaskId next : g.successors(last_up)) {
    if (g.task(next).kind != TaskKind::kSend) continue;
    sends_after_last = true;
    EXPECT_TRUE(depends(g, next, pipeline.entry(0, PipeOpType::kBackward, 1, 0)));
  }
  EXPECT_TRUE(sends_after_last);
  // Whole operations: one task, entered and left there.
  EXPECT_EQ(pipeline.pieces(0, PipeOpType::kBackward, 0, 0).size(), 1u);
  EXPECT_EQ(pipeline.entry(0, PipeOpType::kForward, 1, 1), pipeline.task(0, PipeOpType::kForward, 1, 1));
}

// A schedule that gives too few device orders, or repeats an operation.
class BrokenSchedule final : public Schedule {
 public:
  explicit BrokenSchedule(bool repeat) : repeat_(repeat) {}
  [[nodiscard]] std::string_view name() const override { return "broken"; }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override {
    if (!repeat_) return std::vector<std::vector<PipeOp>>(static_cast<std::size_t>(shape.stages - 1));
    return {{{PipeOpType::kForward, 0, 0}, {PipeOpType::kForward, 0, 0}, {PipeOpType::kBackward, 0, 0}}};
  }

 private:
  bool repeat_;
};

// Names are interned once per build (PipelineGraph::name_id): every task still
// carries its own operation's name, the table holds each name once — F and B
// of each of v = 2 chunks, and the two sends: 2·2 + 2 = 6 — and a second
// build into a fresh graph interns them there again, not the first graph's ids.
TEST(PipelineGraph, EveryTaskIsNamedForItsOperationInEachGraphItIsBuiltInto) {
  const InterleavedSchedule s;
  const PipelineShape shape{2, 4, 2};
  PipelineGraph pipeline(s, shape, s.order(shape), 1);
  RecordingMaker maker;
  TaskGraph first;
  pipeline.build(first, maker);
  TaskGraph second;
  EXPECT_EQ(second.intern("something else first"), 0);  // ids in this graph start one later
  pipeline.build(second, maker);
  for (const TaskGraph* g : {&first, &second}) {
    std::size_t named = 0;
    for (int mb = 0; mb < shape.micro_batches; ++mb) {
      for (int vs = 0; vs < shape.stages * shape.chunks; ++vs) {
        const int chunk = vs / shape.stages;
        for (const PipeOpType t : {PipeOpType::kForward, PipeOpType::kBackward}) {
          const Task& task = g->task(pipeline.task(0, t, mb, vs));
          EXPECT_EQ(g->names()[static_cast<std::size_t>(task.name)],
                    std::string(t == PipeOpType::kForward ? "F" : "B") + " c" + std::to_string(chunk));
          ++named;
        }
      }
    }
    EXPECT_EQ(named, 2u * 4 * 2 * 2);
    for (const Task& task : g->tasks()) {
      if (task.kind != TaskKind::kSend) continue;
      const std::string& name = g->names()[static_cast<std::size_t>(task.name)];
      EXPECT_TRUE(name == "send activations" || name == "send gradients") << name;
    }
  }
  EXPECT_EQ(first.names().size(), 6u);
  EXPECT_EQ(second.names().size(), 7u);
}

TEST(PipelineGraph, MalformedSchedulesAreBugs) {
  const BrokenSchedule short_orders(false);
  EXPECT_THROW(
      PipelineGraph(short_orders, PipelineShape{2, 1, 1}, short_orders.order(PipelineShape{2, 1, 1})),
      std::logic_error);
  const BrokenSchedule repeats(true);
  PipelineGraph pipeline(repeats, PipelineShape{1, 1, 1}, repeats.order(PipelineShape{1, 1, 1}));
  TaskGraph g;
  RecordingMaker maker;
  try {
    pipeline.build(g, maker);
    FAIL() << "a repeated operation was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "schedule 'broken' gives stage 0 an invalid or repeated F of micro-batch 0, chunk 0");
  }
}

}  // namespace
}  // namespace orrery::workload
