// The pipeline part of a task graph, shared by the workloads that run a
// pipeline schedule (`pipeline`, `training`). A schedule gives each device
// (pipeline stage) its ordered F, B (and W) operations; this builder turns
// them into one task each, chained in the device's order, and adds the data
// dependencies: activations flow up the virtual stages (F → next F),
// gradients down (B → previous B), B follows F and W follows B of the same
// micro-batch and virtual stage. Consecutive virtual stages on different
// devices exchange one send each way per micro-batch; on the same device (the
// bottom of a V, or p = 1) the dependency is direct.
//
// Several identical pipelines (the data-parallel replicas of training) are
// built together: every replica's operations first, then every replica's
// data flow, so task ids come in that order. Where the maker says a replica's
// work is the first replica's on other devices (replica_devices), its tasks
// are copies of the first's: the same graph, made without asking the maker
// task by task (a 1T model's six replicas on 3,072 GPUs are 1.6 M tasks). What differs between callers —
// the work of an operation (device, priced time, in-group collectives), the
// activation memory it holds, the work of a send — comes from a
// PipelineTaskMaker.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "workloads/schedules/schedule.hpp"
#include "workloads/vocabulary.hpp"

namespace orrery::workload {

// One scheduled operation with where it runs.
struct PlacedOp {
  PipeOp op;
  int replica = 0;
  int stage = 0;          // the device (pipeline stage) whose order holds it
  int virtual_stage = 0;  // chunk · stages + its position
};

// A send between the stages of two consecutive virtual stages: activations
// after a forward (up), gradients after a backward (down).
struct PipelineSend {
  int replica = 0;
  int micro_batch = 0;
  int from_stage = 0;
  int to_stage = 0;
  bool gradients = false;
};

// What a pipeline workload decides for the builder.
class PipelineTaskMaker {
 public:
  virtual ~PipelineTaskMaker() = default;
  // The compute of one operation: its device, time, head and tail (`g` interns span names).
  [[nodiscard]] virtual ComputeWork compute(TaskGraph& g, const PlacedOp& op) = 0;
  // Bytes one micro-batch's activations hold on `virtual_stage`, from the end
  // of its F to the end of its backward (W when the schedule splits it).
  [[nodiscard]] virtual Bytes activations(int virtual_stage) const = 0;
  // The work of one send (the task is named and staged by the builder).
  [[nodiscard]] virtual Work send(const PipelineSend& send) const = 0;
  // Whether stages send synchronously, as Megatron-LM's p2p calls do
  // (batch_isend_irecv, then wait): the sending stage starts its next
  // operation only once the send is done. Otherwise a send overlaps the
  // operations after it. (Megatron's receiver also posts its receive only
  // when it reaches the call, so a send can wait for its receiver too; that
  // rendezvous is not modelled: with this builder's interleaved orders it can
  // close a cycle that Megatron's own pairing of the exchanges avoids.)
  [[nodiscard]] virtual bool synchronous_sends() const { return false; }
  // An operation run as this many tasks in turn on its device (1: one task):
  // the pieces of a backward whose gradients leave in buckets as they become
  // ready. What comes into the operation waits before its first piece, what
  // leaves it waits for its last.
  [[nodiscard]] virtual int pieces(const PlacedOp&) const { return 1; }
  // The compute of piece `piece` of an operation of several (pieces() > 1).
  [[nodiscard]] virtual ComputeWork compute_piece(TaskGraph& g, const PlacedOp& op, int /*piece*/) {
    return compute(g, op);
  }
  // Where replica `replica`'s operations and sends are replica `first`'s on
  // other devices — the same work, times and in-group collectives, each
  // device moved —: each device id's counterpart in `replica` (-1 for the
  // devices `first` does not use). The builder then copies `first`'s tasks
  // (TaskGraph::copy_block) instead of asking for each again. Empty (the
  // default): the replica's tasks are made one by one.
  [[nodiscard]] virtual std::vector<std::int32_t> replica_devices(int /*first*/, int /*replica*/) const {
    return {};
  }
};

class PipelineGraph {
 public:
  // Throws std::logic_error when the schedule's orders or its chunk placement
  // do not fit `shape` (a bug in the schedule, not in the scenario).
  PipelineGraph(const Schedule& schedule, const PipelineShape& shape, std::vector<std::vector<PipeOp>> order,
                int replicas = 1);
  // The replicas built are `replicas` (their ids, ascending), e.g. the
  // representatives of a replica reduction; ops and sends carry these ids.
  PipelineGraph(const Schedule& schedule, const PipelineShape& shape, std::vector<std::vector<PipeOp>> order,
                std::vector<int> replicas);

  // Adds every replica's operations, then every replica's data flow.
  void build(TaskGraph& g, PipelineTaskMaker& maker);

  [[nodiscard]] const PipelineShape& shape() const { return shape_; }
  [[nodiscard]] int virtual_stages() const { return shape_.stages * shape_.chunks; }
  [[nodiscard]] bool splits_backward() const { return split_; }
  // The operation whose end frees a micro-batch's activations: W when split, else B.
  [[nodiscard]] PipeOpType frees() const { return split_ ? PipeOpType::kWeight : PipeOpType::kBackward; }
  [[nodiscard]] const std::vector<PipeOp>& order(int stage) const {
    return order_[static_cast<std::size_t>(stage)];
  }
  // The device (stage) that holds `virtual_stage`.
  [[nodiscard]] int device_of(int virtual_stage) const {
    return device_of_[static_cast<std::size_t>(virtual_stage)];
  }
  // The virtual stage of `chunk` on `stage`.
  [[nodiscard]] int virtual_stage(int chunk, int stage) const {
    return chunk * shape_.stages + position_[static_cast<std::size_t>(chunk * shape_.stages + stage)];
  }
  // After build(): the task of one operation, and the last of a type on a
  // virtual stage in its device's order.
  [[nodiscard]] TaskId task(int replica, PipeOpType type, int micro_batch, int virtual_stage) const {
    return tasks_[index(replica, type, micro_batch, virtual_stage)];
  }
  // Its first task: what must come before the operation waits before this
  // one (the same task unless the operation runs in pieces).
  [[nodiscard]] TaskId entry(int replica, PipeOpType type, int micro_batch, int virtual_stage) const {
    return entry_[index(replica, type, micro_batch, virtual_stage)];
  }
  // Its tasks in order: one, or its pieces.
  [[nodiscard]] std::vector<TaskId> pieces(int replica, PipeOpType type, int micro_batch, int virtual_stage) const;
  [[nodiscard]] TaskId last(int replica, PipeOpType type, int virtual_stage) const {
    return last_[(slot(replica) * 3 + static_cast<std::size_t>(type)) * static_cast<std::size_t>(virtual_stages()) +
                 static_cast<std::size_t>(virtual_stage)];
  }

 private:
  // Where a replica's tasks are kept: its position among the built ones.
  [[nodiscard]] std::size_t slot(int replica) const { return static_cast<std::size_t>(slot_[static_cast<std::size_t>(replica)]); }
  [[nodiscard]] std::size_t index(int replica, PipeOpType type, int micro_batch, int virtual_stage) const {
    const auto m = static_cast<std::size_t>(shape_.micro_batches);
    const auto vs = static_cast<std::size_t>(virtual_stages());
    return ((slot(replica) * 3 + static_cast<std::size_t>(type)) * m +
            static_cast<std::size_t>(micro_batch)) *
               vs +
           static_cast<std::size_t>(virtual_stage);
  }
  void add_operations(TaskGraph& g, PipelineTaskMaker& maker, int replica);
  // Replica `replica`'s operations as the copies of `first`'s, `shift` ids on.
  void copy_operations(int first, int replica, std::int32_t shift);
  void add_data_flow(TaskGraph& g, const PipelineTaskMaker& maker, int replica);
  // A send after operation `after` (task index) that operation `before` needs.
  void add_send(TaskGraph& g, const PipelineTaskMaker& maker, const PipelineSend& send, std::size_t after,
                std::size_t before);

  const Schedule& schedule_;
  PipelineShape shape_;
  std::vector<int> replicas_;  // the ids built, ascending
  std::vector<int> slot_;      // per replica id: its position in replicas_, or -1
  bool split_;
  std::vector<std::vector<PipeOp>> order_;
  std::vector<int> device_of_;                     // per virtual stage
  std::vector<int> position_;                      // per (chunk, stage): the position the stage holds
  std::array<std::vector<std::string>, 3> names_;  // per type and chunk: "F", or "F c1" with chunks
  // The graph's ids of those names and of the two sends' (activations, gradients), interned at
  // their first task of a build() in the order the strings would be, -1 before.
  std::array<std::vector<std::int32_t>, 3> name_ids_;
  std::array<std::int32_t, 2> send_name_ids_{-1, -1};
  task::TaskName name_id(TaskGraph& g, PipeOpType type, int chunk);
  task::TaskName send_name_id(TaskGraph& g, bool gradients);
  std::vector<TaskId> tasks_;  // per operation: its task, the last of its pieces
  std::vector<TaskId> entry_;  // per operation: its first task
  std::vector<TaskId> next_;   // per operation (as tasks_): the next in its device's order (its entry)
  std::vector<TaskId> last_;
};

}  // namespace orrery::workload
