// A pipeline replica built as a copy of the first replica's tasks on its own
// devices (PipelineGraph::build over TaskGraph::copy_block) must be the graph
// that asking the maker task by task gives. Two independent computations
// check it:
//  * the builder alone, with a maker that offers its replicas' device maps
//    and the same maker offering none (every task made one by one): the two
//    graphs must agree task by task, edge by edge, effect by effect, with the
//    in-group cost entries compared by what they hold (the copies number them
//    in their own order);
//  * training jobs (1F1B with scatter/gather sends, interleaved with the
//    gradient buckets' backward in pieces, zero-bubble's split backward,
//    context parallelism, profiled sends): each replica's part of the whole
//    job's graph, priced, against the graph of that replica lowered alone
//    (lower_replicas({r}), where nothing is copied).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <variant>
#include <vector>

#include "sim/run/run_context.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/pipeline_graph.hpp"
#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_interleaved.hpp"
#include "workloads/schedules/pipeline_zb_v.hpp"

namespace orrery::workload::replica_copy_test {
namespace {

std::string group_text(const TaskGraph& g, std::int32_t id) {
  if (id < 0) return "-";
  std::string out;
  for (const GroupCall& call : g.group_costs()[static_cast<std::size_t>(id)].calls) {
    out += fmt::format("[{} {}x{} on", static_cast<int>(call.work.op), call.work.bytes.count(), call.count);
    for (const DeviceId d : call.work.group) out += fmt::format(" {}", d.value());
    out += "]";
  }
  return out;
}

std::string name_text(const TaskGraph& g, std::int32_t id) {
  return id < 0 ? "-" : g.names()[static_cast<std::size_t>(id)];
}

// Everything a task says, its cost entries by content (and how many tasks
// it waits for, unless `preds` is false).
std::string describe(const TaskGraph& g, TaskId id, bool preds = true) {
  const Task& t = g.task(id);
  std::string out =
      fmt::format("{} '{}' mb {} stage {} at {} preds {}: ", static_cast<int>(t.kind), name_text(g, t.name),
                  t.micro_batch, t.stage, t.not_before.ns(), preds ? g.predecessor_count(id) : -1);
  if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
    out += fmt::format("compute on {} for {} head {} ({} B, '{}', {}) tail {} ({} B, '{}', {}) cost {}",
                       c->device.value(), c->duration.count(), c->head.count(), c->head_bytes,
                       name_text(g, c->head_name), group_text(g, c->head_cost), c->tail.count(),
                       c->tail_bytes, name_text(g, c->tail_name), group_text(g, c->tail_cost), c->cost);
  } else if (const auto* x = std::get_if<TransferWork>(&t.work)) {
    out += fmt::format("transfer {} -> {} of {}", x->src.value(), x->dst.value(), x->bytes.count());
  } else if (const auto* d = std::get_if<DelayWork>(&t.work)) {
    out += fmt::format("delay on {} for {} of {}", d->device.value(), d->duration.count(), d->bytes.count());
  } else {
    const auto& k = std::get<CollectiveWork>(t.work);
    out += fmt::format("collective {} of {} on {} ranks", static_cast<int>(k.op), k.bytes.count(),
                       k.group.size());
  }
  for (const MemoryEffect& e : g.memory_effects(id))
    out += fmt::format(" | mem {} {} {}", e.device.value(), static_cast<int>(e.category), e.delta.count());
  return out;
}

// ---- the builder alone ----

// Replica r's stage s leads on device r·2p + s, its partner on r·2p + p + s;
// each (replica, virtual stage, type) has an in-group tail over the two, made
// at first use; the last micro-batch's B runs in 3 pieces; sends are
// synchronous. With `copies`, replicas are offered as the first's devices
// moved by 2p per replica.
class ReplicaMaker final : public PipelineTaskMaker {
 public:
  ReplicaMaker(int stages, int micro_batches, int replicas, bool copies)
      : p_(stages),
        last_(micro_batches - 1),
        copies_(copies),
        tails_(static_cast<std::size_t>(replicas * 3 * stages * 4), -1) {}

  ComputeWork compute(TaskGraph& g, const PlacedOp& o) override {
    ComputeWork w{lead(o.replica, o.stage), Duration::ns(10 + o.virtual_stage)};
    w.tail_cost = tail(g, o, static_cast<int>(o.op.type));
    w.tail_name = g.intern("tp all_reduce");
    return w;
  }
  ComputeWork compute_piece(TaskGraph& g, const PlacedOp& o, int piece) override {
    ComputeWork w = compute(g, o);
    w.duration = Duration::ns(100 + piece);
    w.tail_cost = tail(g, o, 3);
    return w;
  }
  [[nodiscard]] int pieces(const PlacedOp& o) const override {
    return o.op.type == PipeOpType::kBackward && o.op.micro_batch == last_ ? 3 : 1;
  }
  [[nodiscard]] Bytes activations(int virtual_stage) const override { return Bytes(1024 + virtual_stage); }
  [[nodiscard]] Work send(const PipelineSend& s) const override {
    return TransferWork{lead(s.replica, s.from_stage), lead(s.replica, s.to_stage),
                        Bytes(s.gradients ? 2 : 1)};
  }
  [[nodiscard]] bool synchronous_sends() const override { return true; }
  [[nodiscard]] std::vector<std::int32_t> replica_devices(int first, int replica) const override {
    if (!copies_) return {};
    std::vector<std::int32_t> map(static_cast<std::size_t>((replica + 1) * 2 * p_), -1);
    for (int d = 0; d < 2 * p_; ++d) map[static_cast<std::size_t>(first * 2 * p_ + d)] = replica * 2 * p_ + d;
    return map;
  }

 private:
  [[nodiscard]] DeviceId lead(int replica, int stage) const { return DeviceId(replica * 2 * p_ + stage); }
  std::int32_t tail(TaskGraph& g, const PlacedOp& o, int slot) {
    auto& id = tails_[static_cast<std::size_t>(((o.replica * 3 * p_) + o.virtual_stage) * 4 + slot)];
    if (id < 0) {
      CollectiveWork k;
      k.group = {lead(o.replica, o.stage), DeviceId(o.replica * 2 * p_ + p_ + o.stage)};
      k.bytes = Bytes(64 * (slot + 1));
      id = g.add_group_cost(GroupCost{{GroupCall{k, 2}}});
    }
    return id;
  }

  int p_;
  int last_;
  bool copies_;
  std::vector<std::int32_t> tails_;
};

void expect_same_build(const Schedule& s, PipelineShape shape, const std::vector<int>& replicas) {
  PipelineGraph copied(s, shape, s.order(shape), replicas);
  PipelineGraph made(s, shape, s.order(shape), replicas);
  TaskGraph gc, gm;
  ReplicaMaker with(shape.stages, shape.micro_batches, replicas.back() + 1, true);
  ReplicaMaker without(shape.stages, shape.micro_batches, replicas.back() + 1, false);
  copied.build(gc, with);
  made.build(gm, without);
  ASSERT_EQ(gc.size(), gm.size());
  for (std::int32_t i = 0; i < static_cast<std::int32_t>(gm.size()); ++i) {
    const TaskId id(i);
    ASSERT_EQ(describe(gc, id), describe(gm, id)) << "task " << i;
    const auto a = gc.successors(id);
    const auto b = gm.successors(id);
    ASSERT_EQ(std::vector<TaskId>(a.begin(), a.end()), std::vector<TaskId>(b.begin(), b.end()))
        << "task " << i;
  }
  for (const int r : replicas) {
    for (const PipeOpType t : {PipeOpType::kForward, PipeOpType::kBackward, PipeOpType::kWeight}) {
      if (t == PipeOpType::kWeight && !s.splits_backward()) continue;
      for (int vs = 0; vs < copied.virtual_stages(); ++vs) {
        EXPECT_EQ(copied.last(r, t, vs), made.last(r, t, vs));
        for (int mb = 0; mb < shape.micro_batches; ++mb) {
          EXPECT_EQ(copied.task(r, t, mb, vs), made.task(r, t, mb, vs));
          EXPECT_EQ(copied.entry(r, t, mb, vs), made.entry(r, t, mb, vs));
        }
      }
    }
  }
}

TEST(ReplicaCopy, CopiedReplicasAreTheGraphTheMakerGivesTaskByTask) {
  const OneFOneBSchedule one;
  expect_same_build(one, PipelineShape{4, 6, 1}, {0, 1, 2});
  const InterleavedSchedule interleaved;
  expect_same_build(interleaved, PipelineShape{2, 4, 2}, {0, 1, 3});  // representatives: replica 2 left out
  const ZbVSchedule v;
  expect_same_build(v, PipelineShape{3, 6, 2}, {1, 2});
}

TEST(ReplicaCopy, ABlockThatIsNotTheSameWorkElsewhereIsRefusedAndTheGraphLeftAsItWas) {
  TaskGraph g;
  const TaskId a = g.add(ComputeWork{DeviceId(0), Duration::ns(1)}, TaskKind::kCompute, "a");
  const TaskGraph::Mark from = g.mark();
  const TaskId b = g.add(ComputeWork{DeviceId(0), Duration::ns(1)}, TaskKind::kCompute, "b");
  g.depend(a, b);
  const TaskGraph::Mark to = g.mark();
  const std::vector<std::int32_t> map{1};
  EXPECT_THROW((void)g.copy_block(from, to, map), std::logic_error);  // the edge from a leaves the block
  const std::vector<std::int32_t> unmapped{-1, 0};
  const std::vector<TaskGraph::CopiedRange> a_itself{{0, 1, 0}};
  EXPECT_THROW((void)g.copy_block(from, to, unmapped, a_itself), std::logic_error);  // device 0 has no copy
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g.mark().edges, 1u);
  // With a "copied" onto itself: b's copy on device 1 after a.
  const TaskId copy = g.copy_block(from, to, map, a_itself);
  EXPECT_EQ(copy.value(), 2);
  EXPECT_EQ(std::get<ComputeWork>(g.task(copy).work).device, DeviceId(1));
  EXPECT_EQ(g.predecessor_count(copy), 1);
  const auto next = g.successors(a);
  EXPECT_EQ(std::vector<TaskId>(next.begin(), next.end()), (std::vector<TaskId>{b, copy}));
}

// ---- training jobs ----

constexpr const char* kModel = "layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024";

// Replica r's operations and sends in a graph of `replicas` replicas: [ops of
// each replica][sends of each replica], K operations and S sends each.
struct Layout {
  std::int32_t ops = 0;    // K
  std::int32_t sends = 0;  // S
};

Layout layout_alone(const TaskGraph& g) {
  Layout l;
  while (l.ops < static_cast<std::int32_t>(g.size()) && g.task(TaskId(l.ops)).kind != TaskKind::kSend &&
         g.task(TaskId(l.ops)).kind <= TaskKind::kWeightGrad)
    ++l.ops;
  while (l.ops + l.sends < static_cast<std::int32_t>(g.size()) &&
         g.task(TaskId(l.ops + l.sends)).kind == TaskKind::kSend)
    ++l.sends;
  return l;
}

// The replica's tasks in order, each successor as its place in the replica's
// part ("op k", "send k") or, outside it, by what it is.
std::vector<std::string> part(const TaskGraph& g, Layout l, int index, int replicas) {
  const std::int32_t ops = index * l.ops;
  const std::int32_t sends = replicas * l.ops + index * l.sends;
  const auto place = [&](TaskId t) {
    const std::int32_t v = t.value();
    if (v >= ops && v < ops + l.ops) return fmt::format("op {}", v - ops);
    if (v >= sends && v < sends + l.sends) return fmt::format("send {}", v - sends);
    return "outside: " + describe(g, t, false);  // a collective over every replica waits for each
  };
  std::vector<std::string> out;
  const auto add = [&](TaskId t) {
    std::string line = place(t) + " = " + describe(g, t) + " ->";
    for (const TaskId next : g.successors(t)) line += " (" + place(next) + ")";
    out.push_back(std::move(line));
  };
  for (std::int32_t k = 0; k < l.ops; ++k) add(TaskId(ops + k));
  for (std::int32_t k = 0; k < l.sends; ++k) add(TaskId(sends + k));
  return out;
}

void expect_replicas_as_lowered_alone(int nodes, const std::string& parallel, const std::string& training,
                                      const std::string& compute = "") {
  std::string text = test::a100(nodes, kModel, parallel, training);
  if (!compute.empty()) text += "  compute: { " + compute + " }\n";
  const run::Catalog catalog;
  const run::Scenario scenario = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const run::RunContext context(scenario);
  const Workload& w = *scenario.workload;
  const std::size_t replicas = w.replica_maps(context.shape()).replicas();
  ASSERT_GE(replicas, 2u) << parallel;
  std::vector<int> all(replicas);
  for (std::size_t r = 0; r < replicas; ++r) all[r] = static_cast<int>(r);
  const Lowered whole = context.lower_replicas(w, all);
  for (const int r : all) {
    const Lowered alone = context.lower_replicas(w, {r});
    const Layout l = layout_alone(alone.graph);
    ASSERT_GT(l.ops, 0);
    const auto expected = part(alone.graph, l, 0, 1);
    const auto got = part(whole.graph, l, r, static_cast<int>(replicas));
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t k = 0; k < got.size(); ++k)
      ASSERT_EQ(got[k], expected[k]) << parallel << " " << training << ": replica " << r << ", line " << k;
  }
}

TEST(ReplicaCopy, EachTrainingReplicaIsTheGraphOfItsReplicaLoweredAlone) {
  // On 8-GPU nodes: 32 GPUs as tp 2 × pp 4 × dp 4, then 16 as (2 × 2 × 4), (4 × 2 × 2), tp 2 × cp 2 × pp 2 ×
  // dp 2, and 32 as (8 × 2 × 2).
  expect_replicas_as_lowered_alone(4, "tp: 2, pp: 4, dp: 4", "global_batch: 16, scatter_gather: true");
  expect_replicas_as_lowered_alone(2, "tp: 2, pp: 2, dp: 4, vpp: 2",
                                   "global_batch: 16, schedule: interleaved_1f1b, grad_reduce: overlap");
  expect_replicas_as_lowered_alone(2, "tp: 4, pp: 2, dp: 2", "global_batch: 8, schedule: zb_h1");
  expect_replicas_as_lowered_alone(2, "tp: 2, cp: 2, pp: 2, dp: 2", "global_batch: 8");
  expect_replicas_as_lowered_alone(4, "tp: 8, pp: 2, dp: 2", "global_batch: 8",
                                   R"(model: profiled, forward: "1 ms", backward: "2 ms")");
}

}  // namespace
}  // namespace orrery::workload::replica_copy_test
