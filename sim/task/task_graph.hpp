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
#include "sim/core/interned.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"

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

// Compute on a device. Its duration is known when the workload lowers it
// (profiled, measured) or left to the pricing pass (sim/exec/pricing.hpp):
// `cost` names an entry of the graph's cost table (ComputeCost, below), and
// the pass fills `duration`. `head` and `tail` are collectives of the device's
// own group that hold the device before and after the compute — tensor
// parallelism's all-reduces inside the layers, the all-gather of a received
// activation —; `head_cost` and `tail_cost` name entries of the graph's group
// cost table (GroupCost), which the pass prices on the group's routes (the
// group runs them in lockstep on links that no other traffic uses, so there
// is no contention to simulate). The trace shows them as their own spans.
struct ComputeWork {
  ComputeWork() = default;
  ComputeWork(DeviceId d, Duration t) : duration(t), device(d) {}
  // (The 64-bit fields first, the 32-bit ones after: 64 bytes, no padding.)
  Duration duration;
  Duration head;
  Duration tail;
  std::int64_t head_bytes = 0;  // bytes the head and tail collectives move, all ranks together
  std::int64_t tail_bytes = 0;
  DeviceId device;
  std::int32_t head_name = -1;  // graph name ids of the head and tail spans
  std::int32_t tail_name = -1;
  std::int32_t cost = -1;       // entries the pricing pass prices; -1: none (`duration`, `head`, `tail` are final)
  std::int32_t head_cost = -1;
  std::int32_t tail_cost = -1;
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
// The name and the grid are interned (sim/core/interned.hpp): a graph holds a
// collective per data-parallel bucket of every replica, and nearly all say
// "auto" and no grid.
[[nodiscard]] Interned<std::string> auto_algorithm();
struct CollectiveWork {
  CollectiveOp op = CollectiveOp::kAllReduce;
  int root = 0;          // broadcast, reduce: the root's rank in the group
  std::vector<DeviceId> group;
  Bytes bytes;
  Interned<std::string> algorithm = auto_algorithm();
  double density = 1.0;  // sparse_all_reduce: k as a fraction of the buffer's elements
  Interned<std::vector<int>> dims;  // dimension-wise algorithms: the group as a grid, rank = row-major index
};

// The host tier's paths, which a delay may be priced over.
enum class HostPath : std::uint8_t { kNone, kPcie, kHostMemory, kNvmeRead, kNvmeWrite };

// A wait that holds no device: a measured communication time (profiled
// workloads), or a host-side transfer over a device's own PCIe link or its
// node's host memory or NVMe, which the pricing pass prices as `path_bytes`
// over the path's bandwidth shared by `sharers` devices. `device` is where the
// trace shows it.
struct DelayWork {
  DeviceId device;
  Duration duration;
  Bytes bytes;  // what it moves, for traffic counts (0 when nothing)
  HostPath path = HostPath::kNone;  // kNone: `duration` is final
  double path_bytes = 0;
  std::int32_t sharers = 1;
};

// The price of a compute task as an expression the pricing pass evaluates: the
// sum over terms of ⌊multiplier × Σ operation times (integer ns)⌋ (a pipeline
// stage's forward is one layer's operations times its layers, plus the
// embedding's once). Tasks of every replica and micro-batch that do the same
// work share one entry, so it is priced once.
struct CostTerm {
  std::vector<Operation> ops;
  double multiplier = 1.0;
};
struct ComputeCost {
  std::vector<CostTerm> terms;
};
// Collectives a group runs in lockstep around a compute task: each call's
// time and bytes, `count` times, summed in order.
struct GroupCall {
  CollectiveWork work;
  int count = 1;
};
struct GroupCost {
  std::vector<GroupCall> calls;
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
// A 1T-parameter run on 3,072 GPUs holds 1.6 M tasks: at 96 bytes each, the
// graph is 150 MB (it was 144 bytes, 230 MB, before the collective's name and
// grid were interned and ComputeWork's fields reordered).
static_assert(sizeof(Task) <= 96, "a Task grew: every byte costs a big run about 1.6 MB");

// Edges and memory effects are kept as flat lists while the graph is built
// and turned into compressed rows (one offset array, one target array) the
// first time they are read, so that a graph of millions of tasks costs no
// allocation per task; adding to a graph after reading it is allowed (the rows
// are rebuilt).
// A name of the graph's name table (TaskGraph::intern).
struct TaskName {
  std::int32_t id;
};

class TaskGraph {
 public:
  TaskId add(Work work, TaskKind kind, std::string_view name, int micro_batch = -1, int stage = -1);
  // The same with a name interned before (intern()): a lowering that adds
  // millions of tasks under a few names looks each up once.
  TaskId add(Work work, TaskKind kind, TaskName name, int micro_batch = -1, int stage = -1);
  // `after` cannot start before `before` has finished.
  void depend(TaskId before, TaskId after);
  void on_end(TaskId task, MemoryEffect effect);
  // `task` starts no earlier than `t` (traffic with start times, trace replay).
  void not_before(TaskId task, Time t) { tasks_[static_cast<std::size_t>(task.value())].not_before = t; }
  // Memory a device holds from the start (parameters, optimizer states...).
  void initial_memory(MemoryEffect effect) { initial_.push_back(effect); }
  // Room for `tasks` tasks, `edges` dependencies and `effects` memory effects (an estimate; optional).
  void reserve(std::size_t tasks, std::size_t edges, std::size_t effects = 0);

  // Where the graph's lists end now: a block of tasks, with the edges and
  // memory effects added while they were, lies between two marks.
  struct Mark {
    std::size_t tasks = 0;
    std::size_t edges = 0;
    std::size_t effects = 0;
  };
  [[nodiscard]] Mark mark() const { return {tasks_.size(), edges_.size(), effects_.size()}; }
  // Tasks of an earlier block whose copies were added at `first` (a block's
  // edges may reach into one copied before it: a pipeline's sends into its
  // operations).
  struct CopiedRange {
    std::int32_t begin = 0;  // the originals, [begin, end)
    std::int32_t end = 0;
    std::int32_t first = 0;  // the first copy's id
  };
  // Appends a copy of the block between `from` and `to` — its tasks, the
  // edges and memory effects added with them, in their order — on other
  // devices: `device` maps each device id to its copy's (-1: a device the
  // block does not use). An edge's ends in the block go to their copies, ends
  // in `earlier` to theirs. A compute task's head and tail cost entries are
  // copied onto the mapped devices (one new entry per entry the block uses,
  // in the order of first use), so the copy is what lowering the block on
  // the mapped devices adds, entry ids aside. Returns the first copy's id.
  // Throws std::logic_error when an edge leaves the block and `earlier`, or a
  // device is unmapped: the block was not the same work on other devices.
  TaskId copy_block(Mark from, Mark to, std::span<const std::int32_t> device,
                    std::span<const CopiedRange> earlier = {});

  [[nodiscard]] std::size_t size() const { return tasks_.size(); }
  [[nodiscard]] const Task& task(TaskId id) const { return tasks_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] const std::vector<Task>& tasks() const { return tasks_; }
  // Inline: the executor reads them once per finished task.
  [[nodiscard]] std::span<const TaskId> successors(TaskId id) const {
    if (!built_) build();
    const auto i = static_cast<std::size_t>(id.value());
    return {succ_.data() + succ_offset_[i], succ_.data() + succ_offset_[i + 1]};
  }
  [[nodiscard]] std::span<const MemoryEffect> memory_effects(TaskId id) const {
    if (!built_) build();
    const auto i = static_cast<std::size_t>(id.value());
    return {effect_.data() + effect_offset_[i], effect_.data() + effect_offset_[i + 1]};
  }
  // The compressed rows themselves, for a reader that keeps each task's place
  // in them: successors(id) is successor_rows() + k for some k, and likewise.
  [[nodiscard]] const TaskId* successor_rows() const {
    if (!built_) build();
    return succ_.data();
  }
  [[nodiscard]] const MemoryEffect* effect_rows() const {
    if (!built_) build();
    return effect_.data();
  }
  [[nodiscard]] const std::vector<MemoryEffect>& initial_memory() const { return initial_; }
  [[nodiscard]] int predecessor_count(TaskId id) const { return preds_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] std::int32_t intern(std::string_view name);

  // The cost tables that ComputeWork's `cost`, `head_cost` and `tail_cost` index.
  [[nodiscard]] std::int32_t add_cost(ComputeCost cost);
  [[nodiscard]] std::int32_t add_group_cost(GroupCost cost);
  [[nodiscard]] const std::vector<ComputeCost>& costs() const { return costs_; }
  [[nodiscard]] const std::vector<GroupCost>& group_costs() const { return group_costs_; }
  // Whether some task still waits for the pricing pass (sim/exec/pricing.hpp).
  [[nodiscard]] bool needs_pricing() const { return needs_pricing_; }
  // For the pricing pass: the tasks, to fill in their durations; then priced.
  [[nodiscard]] std::vector<Task>& tasks_to_price() { return tasks_; }
  void mark_priced() { needs_pricing_ = false; }

 private:
  void build() const;

  std::vector<Task> tasks_;
  std::vector<std::pair<TaskId, TaskId>> edges_;  // (before, after), in the order given
  std::vector<int> preds_;
  std::vector<std::pair<TaskId, MemoryEffect>> effects_;
  std::vector<MemoryEffect> initial_;
  std::vector<std::string> names_;
  std::vector<ComputeCost> costs_;
  std::vector<GroupCost> group_costs_;
  bool needs_pricing_ = false;
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
