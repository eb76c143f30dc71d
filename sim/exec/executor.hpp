// Runs task sources on the engine against the cluster's cost models: a fixed
// task graph given to the constructor, and any TaskSource that submits tasks
// while the run goes (task_source.hpp; their ids follow the graph's). A task
// starts when all its predecessors have finished (and not before its
// `not_before` time); compute tasks run one at a time per device, in the order
// they became ready; transfers go to the network service. A collective task is
// expanded when it starts into the transfer plan of its algorithm (the one
// named, or for "auto" the one the tuner predicts fastest on the cluster's
// routes); the plan's transfers go to the network service as their
// dependencies finish, so they contend with all other traffic, and the
// collective ends when its last transfer ends. Plans are cached per distinct
// collective. It fills the task times (and which algorithm each collective
// ran) and the per-device memory timeline (peak and breakdown at the peak),
// and reports to its span sink (trace::SpanSink; none: trace::null_sink()) one
// span per task (a collective's on its first device), one `send` span per
// transfer of a collective (stage = its step), and a `memory` counter sample
// per device whenever its memory in use changes.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/collective/collective_algorithm.hpp"
#include "sim/core/progress.hpp"
#include "sim/engine/engine.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/network_service.hpp"
#include "sim/task/task_source.hpp"
#include "sim/trace/span_sink.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::exec {

using task::TaskSink;
using task::TaskSource;

// A device's memory: what it holds now, and its peak with the breakdown then.
// A task's effects (task::TaskGraph::on_end) apply in their order, so one
// that allocates activations and then frees a gathered buffer peaks between
// the two. The effects of different tasks ending in one ns run in the order
// the tasks finish, which the network and the graph's shape decide among
// equal times (a run reduced to representative replicas and the full run
// order them differently), so the peak of an instant is taken over every
// order of its tasks: the most it holds with all the tasks that add memory
// done and one more task part way, at the highest point of its own effects,
//     start + Σ_{j≠k, n_j>0} n_j + e_k  over the instant's tasks k
// (n_j: task j's net on the device, e_k ≥ max(n_k, 0): the highest of its
// running sums, none applied counting 0). One task alone gives its own
// highest point, as applying its effects in order would.
struct DeviceMemory {
  using Categories = std::array<std::int64_t, task::kMemoryCategoryCount>;
  Categories current{};
  Categories at_peak{};
  std::int64_t peak = 0;
};

// The executor's running account of a device's current instant (kept apart
// from DeviceMemory, the result): `current` when the instant began, the
// tasks with a positive net (their sum, by category), and the best
// e_k − max(n_k, 0) with its breakdown.
struct MemoryInstant {
  Time instant;
  bool open = false;
  DeviceMemory::Categories start{};
  DeviceMemory::Categories gains{};
  std::int64_t best = 0;
  DeviceMemory::Categories best_at{};  // task k's effects at e_k, less its net if positive
  void settle(DeviceMemory& m);        // the instant is over: its highest point against m's peak
};

class Executor final : public TaskSink {
 public:
  // `collectives` runs collective tasks; a graph with collectives needs it.
  // `sink` receives the timeline; null: nothing is recorded. `plans`, when
  // given, is the run's plan cache (shared with the lowering's pricer);
  // otherwise the executor keeps its own.
  Executor(sim::Engine& engine, const Cluster& cluster, NetworkService& network, const task::TaskGraph& graph,
           trace::SpanSink* sink, const models::CollectiveLibrary* collectives = nullptr,
           CollectivePlans* plans = nullptr);

  // Runs every collective transfer as its own events even on a contention-free
  // network (`orrery run --full`); by default such a network's collectives
  // run as one event at the end of their plan's critical path, with the same
  // times, link usage and spans (see NetworkService::contention_free).
  void run_every_transfer(bool on) { every_transfer_ = on; }
  // Refuses, before anything runs, a graph whose estimated events exceed
  // `events` (limits.events): about two per task and, where collectives run
  // transfer by transfer, two per transfer of their plans. 0: no budget.
  void event_budget(double events) { event_budget_ = events; }
  // The graph holds representative replicas that stand for others
  // (replica_mirror.hpp; contention-free networks only; it must outlive
  // run()): the copies of their per-replica transfers and collectives load
  // their own devices' routes at the same times. Each copy takes its
  // original's time: the caller grouped the replicas by replica_signature.
  void mirror(const task::ReplicaMirror* m) { mirror_ = m; }
  // For a graph of replica 0's work (contention-free networks only): the time
  // each of its per-replica sends (by ends and size) and own collectives would
  // take on the devices `map` gives (map[d]: the device playing replica-0
  // device d's part), in graph order. Replicas with equal signatures run alike.
  // Every call on one executor maps the same devices (replica 0's) to some.
  [[nodiscard]] std::vector<std::int64_t> replica_signature(std::span<const std::int32_t> map);
  // A source that submits tasks while the run goes; it must outlive run().
  void add_source(TaskSource& source) { sources_.push_back(&source); }
  // Told the share of tasks finished, every 4,096 tasks and at the end.
  void report_progress(ProgressFn progress) { progress_ = std::move(progress); }

  // Runs the graph to completion. Throws InfeasibleError when a task names a
  // device outside the cluster, when a collective cannot run (unknown
  // algorithm, bad group), or when tasks are left that can never start (a
  // cycle), naming one of them.
  task::TaskTimes run();
  [[nodiscard]] const std::vector<DeviceMemory>& memory() const { return memory_; }
  // On a contention-free network, the most a link was oversubscribed by
  // collectives and point-to-point transfers (pipeline sends) that ran over
  // it at once, each timed as if it had the link alone: the sum of their
  // shares of the link (each one's busy time on it over its own duration), at
  // the link where it peaked, over the run's first ones, until kOverlapVisits
  // of their link loads are counted (lockstep groups, such as the
  // data-parallel groups of a stage's tensor-parallel ranks, or the replicas'
  // sends between two stages, meet there first). 1 or less: no link was asked
  // for more than it carries.
  struct Oversubscription {
    double factor = 0;
    std::int32_t link = -1;
  };
  [[nodiscard]] Oversubscription oversubscription() const { return oversubscribed_; }

  // TaskSink, for the sources (valid only while run() runs).
  [[nodiscard]] Time now() const override { return engine_.now(); }
  TaskId submit(task::Work work, task::TaskKind kind, std::string_view name, std::span<const TaskId> after,
                std::span<const task::MemoryEffect> on_end = {}, int micro_batch = -1, int stage = -1) override;
  void wake_at(Time t, std::function<void()> wake) override;
  [[nodiscard]] bool finished(TaskId id) const override { return done_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] Time start_of(TaskId id) const override { return times_.start[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] Time end_of(TaskId id) const override { return times_.end[static_cast<std::size_t>(id.value())]; }

 private:
  ProgressFn progress_;
  // Tasks submitted by sources while the run goes (ids from graph_.size() on).
  struct SubmittedTask {
    task::Task task;
    std::vector<task::MemoryEffect> on_end;
    TaskSource* source = nullptr;
  };
  [[nodiscard]] const task::Task& task_at(TaskId t) const {
    const auto i = static_cast<std::size_t>(t.value());
    return i < fixed_ ? graph_.tasks()[i] : submitted_[i - fixed_].task;
  }
  // One task's memory effects, in their order (DeviceMemory says how its
  // peaks are taken).
  void apply(std::span<const task::MemoryEffect> effects);
  [[nodiscard]] std::span<const task::MemoryEffect> effects_of(TaskId t) const {
    const auto i = static_cast<std::size_t>(t.value());
    return i < fixed_ ? graph_.memory_effects(t) : std::span<const task::MemoryEffect>(submitted_[i - fixed_].on_end);
  }
  [[nodiscard]] const std::string& name_at(std::int32_t name) const {
    const auto i = static_cast<std::size_t>(name);
    return i < graph_.names().size() ? graph_.names()[i] : submitted_names_[i - graph_.names().size()];
  }
  std::int32_t intern_submitted(std::string_view name);
  void release_later(TaskId t);
  void begin_sources();

  void ready(TaskId t);
  void start(TaskId t);
  void finish(TaskId t);
  void report(TaskId t);
  void apply(const task::MemoryEffect& e);
  void check_task(std::size_t i) const;
  // The span name of a plan's transfers, "OP ALGORITHM", interned at its first start.
  std::int32_t transfer_span_name(const task::CollectiveWork& c, const LoweredPlan& low);

  // A transfer's time beyond its time alone, for sharing links with the other
  // transfers of its step: by (step kind, shape), the pairs where it is not 0.
  using SharedTimes = std::vector<std::pair<std::uint64_t, std::int64_t>>;  // sorted by key
  // Collectives: each running one (plans come from the run's CollectivePlans).
  struct RunningCollective {
    TaskId task;
    std::shared_ptr<const models::CollectivePlan> plan;
    const std::vector<DeviceId>* group = nullptr;
    // Unfinished dependencies per transfer: a byte each where no transfer of
    // the plan waits on more than 255 (a ring's wait on one or two), which
    // keeps a large collective's counters in a quarter of the cache lines (a
    // 16,384-GPU ring's 65,280); four bytes where one does.
    std::vector<std::uint8_t> waiting_small;
    std::vector<std::int32_t> waiting;
    bool small = false;
    std::vector<std::int64_t> started;   // start time per transfer (for spans)
    std::size_t left = 0;                // transfers not yet finished
    std::int32_t span_name = -1;
    const SharedTimes* shared = nullptr;  // on a contention-free network, the step sharing's extra times
    // Per shape of the plan (a pair of ranks and a size: a ring's neighbours,
    // each sending 2(p − 1) times), its route, found at its first transfer.
    std::vector<NetworkService::KnownRoute> routes;
  };
  void start_collective(TaskId t, const task::CollectiveWork& c);
  // A plan timed on a contention-free network: the critical path, the link
  // loads of all transfers summed per link, and (for the spans of a recorded
  // run) each transfer's start and end after the collective's start: a
  // transfer starts when its last dependency ends, as in the event run.
  // Computed once per lowered plan.
  // The critical path, shared by the groups whose transfer shapes take the same times.
  // A transfer's time beyond its time alone, for sharing links with the other
  // transfers of its step (shared_times): by (step kind, shape), where not 0.
  [[nodiscard]] static std::uint64_t shared_key(std::int32_t kind, std::int32_t shape) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(kind)) << 32) |
           static_cast<std::uint32_t>(shape);
  }
  [[nodiscard]] static std::int64_t shared_time(const SharedTimes& shared, const models::CollectivePlan& plan,
                                                std::size_t i);
  [[nodiscard]] SharedTimes shared_times(const models::CollectivePlan& plan,
                                         const std::vector<LinkLoad>& loads,
                                         const std::vector<std::uint32_t>& begin) const;
  struct CriticalPath {
    std::vector<std::int64_t> took;  // per shape
    SharedTimes shared;
    Duration makespan;
    std::vector<std::int64_t> start, end;  // per transfer, when spans are recorded
  };
  struct TimedPlan {
    std::shared_ptr<const CriticalPath> path;
    std::vector<std::int32_t> recorded;  // the transfers whose sender's spans the sink keeps
    std::vector<LinkLoad> loads;
  };
  const TimedPlan& timed_plan(const LoweredPlan& low, const std::vector<DeviceId>& group);
  // Oversubscription: per link, the collectives and transfers on it now (their
  // end and share of the link), for the run's first kOverlapVisits link loads
  // (a 2,048-rank ring's collective has some 12,000; then the table is dropped).
  // Point-to-point transfers have a budget of their own (kSendVisits), and each
  // (ends, bytes) is checked at its first kSendChecks starts: lockstep replicas'
  // sends between two stages meet at their first micro-batch, and the
  // collectives at the end of an iteration keep their visits.
  static constexpr std::int64_t kOverlapVisits = std::int64_t{1} << 20;
  static constexpr std::int64_t kSendVisits = std::int64_t{1} << 18;
  static constexpr int kSendChecks = 4;
  static constexpr std::int64_t kSkippedSend = 4;  // visits a send past its checks costs (its lookup)
  void check_overlap(std::span<const LinkLoad> loads, std::int64_t took, std::int64_t& visits_left);
  struct CopiedTransfer;
  void check_send_overlap(DeviceId src, DeviceId dst, Bytes bytes, const CopiedTransfer* copies);
  std::int64_t overlap_visits_left_ = kOverlapVisits;
  std::int64_t send_visits_left_ = kSendVisits;
  std::unordered_map<std::int32_t, std::vector<std::pair<std::int64_t, double>>> on_link_;
  Oversubscription oversubscribed_;
  void run_collective_alone(TaskId t, const task::CollectiveWork& c, const LoweredPlan& low);
  void start_transfer(std::size_t slot, std::int32_t i);

  // Replica reduction: the copies' loads of a per-replica transfer (ends and
  // bytes), each copy's time and loads; and the copies of a per-replica
  // collective task (their groups mapped), kept for the plan caches.
  struct TransferKey {
    std::int32_t src, dst;
    std::int64_t bytes;
    bool operator==(const TransferKey&) const = default;
  };
  struct TransferKeyHash {
    std::size_t operator()(const TransferKey& k) const {
      return std::hash<std::int64_t>()(k.bytes) ^ (static_cast<std::size_t>(k.src) * 0x9e3779b97f4a7c15ULL) ^
             (static_cast<std::size_t>(k.dst) << 20);
    }
  };
  struct CopiedTransfer {
    std::vector<std::int64_t> took;            // per copy (ns)
    std::vector<std::vector<LinkLoad>> loads;  // per copy
  };
  const CopiedTransfer& copied_transfer(DeviceId src, DeviceId dst, Bytes bytes);
  const CopiedTransfer* send_copies(DeviceId src, DeviceId dst, Bytes bytes);
  // A transfer's own loads and time alone, and how many of its starts were
  // checked, while the sends' oversubscription check runs.
  struct OwnTransfer {
    std::int64_t took = 0;
    std::vector<LinkLoad> loads;
    int checked = 0;
  };
  OwnTransfer& own_transfer(DeviceId src, DeviceId dst, Bytes bytes);
  std::unordered_map<TransferKey, OwnTransfer, TransferKeyHash> own_transfers_;
  const std::vector<task::CollectiveWork>& copied_collective(TaskId t, const task::CollectiveWork& c);
  const task::ReplicaMirror* mirror_ = nullptr;
  std::unordered_map<TransferKey, CopiedTransfer, TransferKeyHash> copied_transfers_;
  std::unordered_map<std::int32_t, std::vector<task::CollectiveWork>> copied_collectives_;
  std::optional<std::vector<std::size_t>> replica_work_;  // replica_signature's tasks
  void transfer_done(std::size_t slot, std::int32_t i);

  sim::Engine& engine_;
  const Cluster& cluster_;
  NetworkService& network_;
  const task::TaskGraph& graph_;
  trace::SpanSink& sink_;
  const models::CollectiveLibrary* collectives_;
  std::unique_ptr<CollectivePlans> own_plans_;  // when the caller shares none
  CollectivePlans* plans_ = nullptr;
  std::unordered_map<const models::CollectivePlan*, std::int32_t> transfer_span_names_;  // by plan
  std::unordered_map<const LoweredPlan*, TimedPlan> timed_plans_;
  std::unordered_map<const models::CollectivePlan*, std::vector<std::shared_ptr<const CriticalPath>>> paths_;
  bool every_transfer_ = false;
  double event_budget_ = 0;
  void check_events();
  bool records_spans_ = false;  // a sink was given

  // What ready(), start() and finish() read of a fixed-graph task, packed (32
  // bytes against a Task's 96) so that a run of millions of tasks touches one
  // small record per task on its hot path; the Task itself is read for
  // collectives, spans and messages.
  // Work's alternatives, in its order.
  enum HotWork : std::uint8_t { kHotCompute, kHotTransfer, kHotCollective, kHotDelay };
  // 32 bytes, two to a cache line: what finishing a task reads, its
  // successors' and memory effects' places in the graph's rows included, so
  // that finish() misses on no offset array. Most tasks' successors are kept
  // in the record itself, so that finish() misses on no row either
  // (keep_successors): a pipeline operation's are the next operation on its
  // device — the next task, i + 1, said by a flag —, then the backward or
  // weight-gradient pass of its micro-batch and a send; a send's are its
  // receiver's operation and the sender's next. Up to two besides i + 1 fit:
  // the first in `successors`, the second in `peer` (a transfer's, whose
  // `peer` is its receiver: in `effects`, when it has none).
  struct HotTask {
    std::int64_t amount = 0;     // compute: head + duration + tail, delay: duration (ns); transfer: bytes
    std::int32_t device = -1;    // compute, delay: the device; transfer: the sender
    std::int32_t peer = -1;      // transfer: the receiver
    std::int32_t waiting = 0;    // unfinished predecessors: beside what ready() reads next (one cache line)
    std::uint32_t successors = 0;   // the first of the task's rows in TaskGraph::successor_rows()
    std::uint32_t effects = 0;      // the first in TaskGraph::effect_rows()
    // The successors' count: kManyRows, as many or more (ask the graph); kInlineRows | …, kept here.
    std::uint16_t successor_count = 0;
    HotWork work = kHotCompute;
    std::uint8_t effect_count : 7 = 0;  // kManyEffects: as many or more; ask the graph
    std::uint8_t not_before : 1 = 0;    // the Task has a not_before time
  };
  static_assert(sizeof(HotTask) == 32);
  static constexpr std::uint16_t kManyRows = 0xFFFF;
  // Kept successors: kInlineRows | kNextFirst when the first is i + 1 | the others' count.
  static constexpr std::uint16_t kInlineRows = 0x8000;
  static constexpr std::uint16_t kNextFirst = 0x4000;
  static constexpr std::uint8_t kManyEffects = 0x7F;
  // Task i's successors into its record: in it where they fit, else their place in `rows`.
  static void keep_successors(HotTask& h, std::size_t i, std::span<const TaskId> successors,
                              const TaskId* rows);
  // The fixed graph's task i's successors and memory effects, through its
  // record h (a copy of hot_[i]; `in` holds the successors kept in it).
  [[nodiscard]] std::span<const TaskId> successors_of(std::size_t i, const HotTask& h,
                                                      std::array<TaskId, 3>& in) const {
    if (h.successor_count == kManyRows) return graph_.successors(TaskId(static_cast<std::int32_t>(i)));
    if ((h.successor_count & kInlineRows) == 0) return {successor_rows_ + h.successors, h.successor_count};
    std::size_t n = 0;
    if ((h.successor_count & kNextFirst) != 0) in[n++] = TaskId(static_cast<std::int32_t>(i + 1));
    in[n] = TaskId(static_cast<std::int32_t>(h.successors));
    in[n + 1] = TaskId(h.work == kHotTransfer ? static_cast<std::int32_t>(h.effects) : h.peer);
    return {in.data(), n + (h.successor_count & 3u)};
  }
  [[nodiscard]] std::span<const task::MemoryEffect> fixed_effects_of(std::size_t i, const HotTask& h) const {
    if (h.effect_count == 0) return {};  // (a transfer's `effects` may hold a successor)
    if (h.effect_count == kManyEffects) return graph_.memory_effects(TaskId(static_cast<std::int32_t>(i)));
    return {effect_rows_ + h.effects, h.effect_count};
  }
  const TaskId* successor_rows_ = nullptr;
  const task::MemoryEffect* effect_rows_ = nullptr;
  [[nodiscard]] static HotTask hot_of(const task::Task& task);
  std::vector<HotTask> hot_;  // per fixed-graph task

  std::vector<int> waiting_;  // unfinished predecessors per submitted task (task fixed_ + k at k)
  int& waiting_of(std::size_t i) { return i < fixed_ ? hot_[i].waiting : waiting_[i - fixed_]; }
  std::vector<bool> device_busy_;
  std::vector<std::deque<TaskId>> device_queue_;
  std::vector<DeviceMemory> memory_;
  std::vector<MemoryInstant> instants_;  // per device, beside memory_
  struct MemoryRun {                     // apply(): one task's effects on one device
    std::int32_t device;
    DeviceMemory::Categories sum{};   // its effects so far
    DeviceMemory::Categories high{};  // at its highest running total (none: zeros)
    std::int64_t total = 0;
    std::int64_t highest = 0;
  };
  std::vector<MemoryRun> runs_;
  std::vector<std::int32_t> span_names_;  // graph name id -> sink name id
  std::int32_t memory_counter_ = -1;      // sink name of the memory-in-use counter
  task::TaskTimes times_;
  std::size_t finished_ = 0;
  // Sources and what they submitted.
  std::size_t fixed_ = 0;  // tasks of the fixed graph
  std::vector<TaskSource*> sources_;
  TaskSource* submitting_ = nullptr;            // the source being called
  std::deque<SubmittedTask> submitted_;         // a deque: references stay valid while sources submit
  std::vector<std::string> submitted_names_;    // name ids from graph_.names().size() on
  std::unordered_map<std::string, std::int32_t> submitted_name_index_;
  std::vector<bool> done_;
  std::unordered_map<std::int32_t, std::vector<TaskId>> later_successors_;  // submitted tasks waiting on a task
  std::vector<std::pair<TaskSource*, std::function<void()>>> wakes_;
  std::vector<std::unique_ptr<RunningCollective>> running_;
  std::vector<std::size_t> free_running_;
};

}  // namespace orrery::exec
