// What a collective algorithm lowers to: a small DAG of point-to-point
// transfers between the ranks of a group, so that a collective contends with
// everything else on the same links. Each transfer names the part of the
// buffer it carries (a range of equal chunks) and whether the receiver adds it
// to its own copy (reduce) or takes it (copy); tests replay that symbolically
// to check that every rank ends with the right data.
//
// Steps: a transfer's step is its depth in the DAG (0 when it waits for
// nothing, else one more than its deepest dependency), so transfers of one
// step may run together. A bulk-synchronous algorithm's rounds are its steps;
// the cost predictor (collective_cost.hpp) charges alpha and the busiest
// link's load once per step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/core/units.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::models {

using task::CollectiveOp;

// A collective as an algorithm sees it: ranks 0..p−1 stand for the group's
// devices in order. Pure data; the executor fills it from a CollectiveWork.
struct CollectiveCall {
  CollectiveOp op = CollectiveOp::kAllReduce;
  int ranks = 0;             // p
  Bytes bytes;               // S, as task::CollectiveWork counts it
  int root = 0;              // broadcast, reduce
  double density = 1.0;      // sparse_all_reduce: k as a fraction of the buffer's elements
  std::vector<int> dims;     // dimension-wise algorithms: grid extents, rank = row-major index (last fastest)
  std::vector<int> node_of;  // per rank, the node it sits on (hierarchical algorithms); empty: unknown
};

// A transfer's place in the plan: its ends, what it carries and what it
// waits for. Its size is the plan's (CollectivePlan::bytes_of).
struct PlanTransfer {
  std::int32_t src = 0;  // ranks
  std::int32_t dst = 0;
  std::int32_t first_chunk = 0;  // carries chunks [first_chunk, first_chunk + chunk_count)
  std::int32_t chunk_count = 0;
  std::int32_t step = 0;
  bool reduce = false;          // the receiver adds the data to its copy (else it takes it)
  std::uint32_t dep_begin = 0;  // into PlanDag::deps
  std::uint32_t dep_count = 0;
};

// A transfer as a network times it: its ends and its size.
struct TransferShape {
  std::int32_t src = 0, dst = 0;
  Bytes bytes;
  bool operator==(const TransferShape&) const = default;
};

// The transfers and their dependencies, without sizes: what plans of one
// algorithm and group that differ in S alone can share (PlanCache), since a
// ring of p ranks holds p·2(p−1) transfers whatever S is, and a data-parallel
// group prices one plan per bucket size.
struct PlanDag {
  std::vector<PlanTransfer> transfers;
  std::vector<std::int32_t> deps;         // transfer indices; each lower than the transfer's own
  std::vector<std::uint32_t> succ_begin;  // successors of transfer i: succ[succ_begin[i] .. succ_begin[i+1])
  std::vector<std::int32_t> succ;
  // Every transfer carries its chunks' even share of S (no Move gave bytes of
  // its own), so that the sizes for another S follow from the chunks alone.
  bool sizes_from_chunks = true;
};

struct CollectivePlan {
  int ranks = 0;
  int chunks = 0;  // how finely the algorithm divides the buffer (semantic: for data checks)
  int steps = 0;
  std::shared_ptr<const PlanDag> dag = empty_dag();
  // Filled by index_shapes (PlanBuilder::finish and with_size call it): plans
  // repeat few shapes many times (a ring sends 2(p-1) times between each
  // neighbour pair) and few kinds of step, so that timing a plan on routes
  // costs the shapes and the kinds of step, not every transfer.
  std::vector<TransferShape> shapes;     // the distinct shapes, in order of first use
  std::vector<std::int64_t> shape_uses;  // per shape, how many transfers have it
  std::vector<std::int32_t> shape_of;    // per transfer, its shape (and so its size)
  std::vector<std::int32_t> step_kind;   // per step, the first step whose transfers have the same shapes in order
  // The shapes of each step that is its own kind, in transfer order:
  // kind_shapes[kind_begin[s] .. kind_begin[s+1]) (empty for a step that
  // repeats an earlier kind), so that timing a plan walks one ring step, not
  // its p·2(p−1) transfers.
  std::vector<std::uint32_t> kind_begin;
  std::vector<std::int32_t> kind_shapes;
  Bytes total;  // bytes of all transfers

  [[nodiscard]] const std::vector<PlanTransfer>& transfers() const { return dag->transfers; }
  [[nodiscard]] std::size_t size() const { return dag->transfers.size(); }
  [[nodiscard]] bool empty() const { return dag->transfers.empty(); }
  [[nodiscard]] Bytes bytes_of(std::size_t i) const {
    return shapes[static_cast<std::size_t>(shape_of[i])].bytes;
  }
  [[nodiscard]] std::span<const std::int32_t> deps_of(std::size_t i) const {
    const PlanTransfer& t = dag->transfers[i];
    return {dag->deps.data() + t.dep_begin, t.dep_count};
  }
  [[nodiscard]] std::span<const std::int32_t> successors_of(std::size_t i) const {
    return {dag->succ.data() + dag->succ_begin[i], dag->succ_begin[i + 1] - dag->succ_begin[i]};
  }

  // The DAG of a plan with no transfers, shared by all of them.
  [[nodiscard]] static std::shared_ptr<const PlanDag> empty_dag();
};

// Fills the plan's shapes, step kinds and total from each transfer's size
// (plan.dag and steps must be set); PlanBuilder::finish calls it, and every
// algorithm lowers through it.
void index_shapes(CollectivePlan& plan, std::span<const Bytes> bytes);

// `plan` for a buffer of `total` bytes: the same DAG (shared), each transfer
// its chunks' even share of `total`. plan.dag->sizes_from_chunks must hold;
// the result is what the algorithm lowers for `total` where its DAG does not
// depend on S (CollectiveAlgorithm::same_dag_for_every_size).
[[nodiscard]] CollectivePlan with_size(const CollectivePlan& plan, Bytes total);

// Parts [first, first + count) of `total` cut into `parts` near-equal parts:
// part c spans [⌊c·total/parts⌋, ⌊(c+1)·total/parts⌋).
[[nodiscard]] Bytes even_share(Bytes total, int first, int count, int parts);

// A part of the buffer: chunks [first, first + count).
struct ChunkRange {
  int first;
  int count;
};

// One transfer of a bulk-synchronous step.
struct Move {
  int src;
  int dst;
  int first_chunk;
  int chunk_count;
  bool reduce;
  std::optional<Bytes> bytes = std::nullopt;  // default: the chunks' share of S
};

// Builds a plan. Two ways to add transfers:
//  * step(moves): a bulk-synchronous round. Each rank acts in program order:
//    a move waits for its source rank's sends of its last active round and for
//    everything the rank received since; moves of one round do not wait for
//    each other.
//  * send(..., deps): a transfer with explicit dependencies (pipelined trees
//    and chains).
class PlanBuilder {
 public:
  PlanBuilder(const CollectiveCall& call, int chunks);

  void step(std::span<const Move> moves);
  int send(const Move& m, std::span<const int> deps);
  // Room for `transfers` transfers with `deps` dependencies in all (an optimisation only).
  void reserve(std::size_t transfers, std::size_t deps);

  // The bytes of chunks [first, first + count): chunk c spans [⌊c·S/C⌋, ⌊(c+1)·S/C⌋).
  [[nodiscard]] Bytes chunk_bytes(int first, int count) const;
  [[nodiscard]] int ranks() const { return plan_.ranks; }

  // Computes steps and successor lists.
  [[nodiscard]] CollectivePlan finish() &&;

 private:
  int add(const Move& m, std::span<const int> deps);

  CollectivePlan plan_;
  PlanDag dag_;
  std::vector<Bytes> bytes_;  // per transfer
  Bytes total_;
  std::vector<std::vector<int>> frontier_;  // per rank: what its next round waits for
};

}  // namespace orrery::models
