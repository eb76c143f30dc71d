// The pipeline of each data-parallel replica (the pipeline-graph builder,
// workloads/pipeline_graph.hpp): every operation is one compute task on its
// stage group's lead, its cost-table entry priced by the pricing pass (or
// profiled), with the group's collectives as its head and tail
// (training_groups.hpp); pipeline
// sends go lead to lead, 1/tp of the activation each when Megatron's
// scatter/gather splits them over the tp ranks.
#include "workloads/training/training_groups.hpp"
#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

namespace {

class TrainingOps final : public PipelineTaskMaker {
 public:
  explicit TrainingOps(const TrainingLowering& l)
      : l_(l),
        groups_(l.plan(), l.virtual_stages()),
        scatter_(l.p.scatter_gather && l.plan().tp > 1),
        maps_(l.workload.replica_maps(l.cluster)) {
    // b·s·h of 16-bit activations per micro-batch, on this rank's share of the sequence.
    const double full =
        static_cast<double>(l.p.micro_batch * (l.p.model.seq_len / l.plan().cp) * l.p.model.hidden) * 2.0;
    activation_ = Bytes(static_cast<std::int64_t>(full));
    send_bytes_ = Bytes(static_cast<std::int64_t>(full / (scatter_ ? l.plan().tp : 1)));
  }

  ComputeWork compute(TaskGraph& g, const PlacedOp& o) override {
    const int vs = o.virtual_stage;
    const VirtualStageCost& vc = l_.costs[static_cast<std::size_t>(vs)];
    const OpCost& c = o.op.type == PipeOpType::kForward    ? vc.forward
                      : o.op.type == PipeOpType::kBackward ? vc.backward
                                                           : vc.weight;
    ComputeWork work{l_.lead(o.replica, o.stage), c.measured};
    work.cost = vc.entry[static_cast<std::size_t>(o.op.type)];
    // The first micro-batch's weight gradients need no add under autograd accumulation.
    const PipeOpType grads = l_.p.schedule->splits_backward() ? PipeOpType::kWeight : PipeOpType::kBackward;
    if (o.op.micro_batch == 0 && o.op.type == grads && vc.first_entry >= 0) work.cost = vc.first_entry;
    const auto& tail = groups_.tail(g, o.replica, o.stage, vs, o.op.type, c);
    work.tail_cost = tail.cost;
    work.tail_name = tail.name;
    if (scatter_ && !l_.p.profiled && receives(o)) {
      const auto& head = groups_.gather_head(g, o.replica, o.stage, activation_);
      work.head_cost = head.cost;
      work.head_name = head.name;
    }
    return work;
  }

  // grad_reduce overlap: the last micro-batch's backward, one piece per layer
  // of its virtual stage, where the data-parallel gradients are reduced.
  [[nodiscard]] int pieces(const PlacedOp& o) const override {
    if (!l_.overlaps_reduce() || o.op.type != PipeOpType::kBackward || o.op.micro_batch != l_.micro_batches() - 1) {
      return 1;
    }
    return std::max(1, l_.costs[static_cast<std::size_t>(o.virtual_stage)].layers);
  }

  // A piece: a layer's share of the backward's compute and in-group
  // collectives; the received gradient's all-gather heads the first.
  ComputeWork compute_piece(TaskGraph& g, const PlacedOp& o, int piece) override {
    ComputeWork work = compute(g, o);
    const VirtualStageCost& vc = l_.costs[static_cast<std::size_t>(o.virtual_stage)];
    work.cost = vc.piece_entry;
    work.duration = vc.backward_piece.measured;
    if (piece > 0) {
      work.head_cost = -1;
      work.head_name = -1;
    }
    const auto& tail = groups_.piece_tail(g, o.replica, o.stage, o.virtual_stage, vc.backward_piece);
    work.tail_cost = tail.cost;
    work.tail_name = tail.name;
    return work;
  }

  [[nodiscard]] Bytes activations(int virtual_stage) const override {
    return Bytes(
        static_cast<std::int64_t>(l_.costs[static_cast<std::size_t>(virtual_stage)].activation_bytes));
  }

  [[nodiscard]] bool synchronous_sends() const override { return l_.p.synchronous_sends; }

  // A replica's operations and sends differ from another's only in their
  // devices — each stage lead's (tp, cp) groups, sends lead to lead; costs
  // are per virtual stage — wherever the workload offers its replicas
  // (replica_maps: not with expert parallelism, whose groups span replicas).
  [[nodiscard]] std::vector<std::int32_t> replica_devices(int first, int replica) const override {
    if (maps_.replicas() == 0) return {};
    std::vector<std::int32_t> map(static_cast<std::size_t>(l_.cluster.devices), -1);
    const auto& from = maps_.plays[static_cast<std::size_t>(first)];
    const auto& to = maps_.plays[static_cast<std::size_t>(replica)];
    for (std::size_t i = 0; i < from.size(); ++i) map[static_cast<std::size_t>(from[i])] = to[i];
    return map;
  }

  [[nodiscard]] Work send(const PipelineSend& s) const override {
    const DeviceId from = l_.lead(s.replica, s.from_stage);
    if (l_.p.profiled) {  // a measured time, which holds no link
      const auto& times = l_.p.comm;
      const Duration t = times.size() == 1 ? times.front() : times[static_cast<std::size_t>(s.from_stage)];
      return DelayWork{from, t, send_bytes_};
    }
    return TransferWork{from, l_.lead(s.replica, s.to_stage), send_bytes_};
  }

 private:
  // Whether the operation takes its input from another stage: a forward from
  // the virtual stage before, a backward from the one after.
  [[nodiscard]] bool receives(const PlacedOp& o) const {
    const int vs = o.virtual_stage;
    if (o.op.type == PipeOpType::kForward) return vs > 0 && l_.pipeline.device_of(vs - 1) != o.stage;
    if (o.op.type == PipeOpType::kBackward) {
      return vs < l_.virtual_stages() - 1 && l_.pipeline.device_of(vs + 1) != o.stage;
    }
    return false;
  }

  const TrainingLowering& l_;
  InGroupCollectives groups_;
  bool scatter_;
  ReplicaMaps maps_;
  Bytes activation_;
  Bytes send_bytes_;
};

}  // namespace

void add_pipeline(TrainingLowering& l) {
  TrainingOps maker(l);
  l.pipeline.build(l.g, maker);
}

}  // namespace orrery::workload::training
