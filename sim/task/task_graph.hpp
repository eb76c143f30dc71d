// The vocabulary every workload lowers to: a directed acyclic graph of tasks
// — compute on a device, a transfer of bytes between two devices, a collective
// among a group of devices — with the dependencies between them and the memory
// each task allocates or frees. Lowering is pure (no engine, no cost model);
// sim/exec runs any task graph. A collective is only named here (operation,
// group, size, algorithm); the executor expands it into point-to-point
// transfers with the algorithms of models/collective/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::task {

// What a task is, for traces and summaries. The names are part of the HDF5
// contract (the `kinds` attribute of /events).
enum class TaskKind : std::uint8_t {
  kForward,
  kBackward,
  kWeightGrad,
  kCompute,
  kSend,
  kCollective,
  kOptimizer,
  kCheckpoint,
  kFailure,
  kOther,
};
inline constexpr int kTaskKindCount = 10;
[[nodiscard]] std::string_view name_of(TaskKind k);

// Compute whose duration is known (profiled, or priced by a cost model when
// the workload was lowered). `head` and `tail` are collectives of the device's
// own group that hold the device before and after the compute — tensor
// parallelism's all-reduces inside the layers, the all-gather of a received
// activation — priced when lowering (workload::CollectivePricer): the group
// runs them in lockstep on links that no other traffic uses, so there is no
// contention to simulate. The trace shows them as their own spans.
struct ComputeWork {
  ComputeWork() = default;
  ComputeWork(DeviceId d, Duration t) : device(d), duration(t) {}
  DeviceId device;
  Duration duration;
  Duration head;
  Duration tail;
  std::int32_t head_name = -1;  // graph name ids of the head and tail spans
  std::int32_t tail_name = -1;
  std::int64_t head_bytes = 0;  // bytes the head and tail collectives move, all ranks together
  std::int64_t tail_bytes = 0;
};

// Bytes from one device to another over the cluster network.
struct TransferWork {
  DeviceId src;
  DeviceId dst;
  Bytes bytes;
};

// The collective operations, with NCCL's semantics.
enum class CollectiveOp : std::uint8_t {
  kAllReduce,
  kReduceScatter,
  kAllGather,
  kAllToAll,
  kBroadcast,
  kReduce,
  kSparseAllReduce,  // all-reduce of top-k sparsified buffers (Ok-Topk, Li & Hoefler PPoPP'22)
};
inline constexpr int kCollectiveOpCount = 7;
[[nodiscard]] std::string_view name_of(CollectiveOp op);
// The op called `name` (as name_of prints it), if any.
[[nodiscard]] std::optional<CollectiveOp> collective_op(std::string_view name);
[[nodiscard]] std::vector<std::string> collective_op_names();

// A collective among `group` (rank i is group[i]). `bytes` is the per-rank
// buffer size S as NCCL counts it: the buffer every rank reduces (all-reduce,
// reduce, broadcast), the whole gathered or scattered buffer (all-gather,
// reduce-scatter: each rank owns S/p of it), or each rank's send buffer
// (all-to-all: S/p to each peer). `algorithm` is "auto" or a registered
// collective algorithm (`orrery list collective`).
struct CollectiveWork {
  CollectiveOp op = CollectiveOp::kAllReduce;
  std::vector<DeviceId> group;
  Bytes bytes;
  std::string algorithm = "auto";
  int root = 0;          // broadcast, reduce: the root's rank in the group
  double density = 1.0;  // sparse_all_reduce: k as a fraction of the buffer's elements
  std::vector<int> dims;  // dimension-wise algorithms: the group as a grid, rank = row-major index
};

// A wait of known length that holds no device: a measured communication time
// (profiled workloads) or a host-side transfer over a device's own PCIe link.
// `device` is where the trace shows it.
struct DelayWork {
  DeviceId device;
  Duration duration;
  Bytes bytes;  // what it moves, for traffic counts (0 when nothing)
};

using Work = std::variant<ComputeWork, TransferWork, CollectiveWork, DelayWork>;

enum class MemoryCategory : std::uint8_t { kParameters, kGradients, kOptimizer, kActivations, kBuffers };
inline constexpr int kMemoryCategoryCount = 5;
[[nodiscard]] std::string_view name_of(MemoryCategory c);

// A change of a device's allocated memory when a task ends (positive:
// allocate, negative: free).
struct MemoryEffect {
  DeviceId device;
  MemoryCategory category;
  Bytes delta;
};

struct Task {
  Work work;
  TaskKind kind = TaskKind::kOther;
  std::int32_t name = -1;  // index into the graph's name table
  std::int32_t micro_batch = -1;
  std::int32_t stage = -1;
  Time not_before;  // the task waits for this time even when its predecessors are done
};

// Edges and memory effects are kept as flat lists while the graph is built
// and turned into compressed rows (one offset array, one target array) the
// first time they are read, so that a graph of millions of tasks costs no
// allocation per task; adding to a graph after reading it is allowed (the rows
// are rebuilt).
class TaskGraph {
 public:
  TaskId add(Work work, TaskKind kind, std::string_view name, int micro_batch = -1, int stage = -1);
  // `after` cannot start before `before` has finished.
  void depend(TaskId before, TaskId after);
  void on_end(TaskId task, MemoryEffect effect);
  // `task` starts no earlier than `t` (traffic with start times, trace replay).
  void not_before(TaskId task, Time t) { tasks_[static_cast<std::size_t>(task.value())].not_before = t; }
  // Memory a device holds from the start (parameters, optimizer states...).
  void initial_memory(MemoryEffect effect) { initial_.push_back(effect); }
  // Room for `tasks` tasks and `edges` dependencies (an estimate; optional).
  void reserve(std::size_t tasks, std::size_t edges);

  [[nodiscard]] std::size_t size() const { return tasks_.size(); }
  [[nodiscard]] const Task& task(TaskId id) const { return tasks_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] const std::vector<Task>& tasks() const { return tasks_; }
  [[nodiscard]] std::span<const TaskId> successors(TaskId id) const;
  [[nodiscard]] std::span<const MemoryEffect> memory_effects(TaskId id) const;
  [[nodiscard]] const std::vector<MemoryEffect>& initial_memory() const { return initial_; }
  [[nodiscard]] int predecessor_count(TaskId id) const { return preds_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] std::int32_t intern(std::string_view name);

 private:
  void build() const;

  std::vector<Task> tasks_;
  std::vector<std::pair<TaskId, TaskId>> edges_;  // (before, after), in the order given
  std::vector<int> preds_;
  std::vector<std::pair<TaskId, MemoryEffect>> effects_;
  std::vector<MemoryEffect> initial_;
  std::vector<std::string> names_;
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int32_t, NameHash, std::equal_to<>> name_index_;
  // Compressed rows, built on first read.
  mutable bool built_ = false;
  mutable std::vector<std::uint32_t> succ_offset_, effect_offset_;
  mutable std::vector<TaskId> succ_;
  mutable std::vector<MemoryEffect> effect_;
};

// How the executor ran one collective task.
struct CollectiveRecord {
  std::string algorithm;    // the one that ran: as named, or the one `auto` picked
  std::int64_t bytes = 0;   // bytes sent over the network, all ranks together
  std::int64_t transfers = 0;
  Duration predicted;       // the alpha-beta prediction of its plan on the group's routes
};

// When each task ran, filled in by the executor.
struct TaskTimes {
  std::vector<Time> start;
  std::vector<Time> end;
  Time makespan;
  std::map<std::int32_t, CollectiveRecord> collectives;  // by task index
};

}  // namespace orrery::task
