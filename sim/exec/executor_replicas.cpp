// The executor's part in the replica reduction (sim/task/replica_mirror.hpp):
// the copies of a representative's sends and collectives, and the signature
// that sorts replicas into classes.
#include <algorithm>
#include <unordered_set>

#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/executor.hpp"

namespace orrery::exec {

using task::CollectiveWork;

// Replica reduction (Executor::mirror): the copies of a send that stands for
// other replicas' (null when it stands for none).
const Executor::CopiedTransfer* Executor::send_copies(DeviceId src, DeviceId dst, Bytes bytes) {
  if (!mirror_ || mirror_->copies_of(src) == 0 || mirror_->stands_for(std::array<DeviceId, 2>{src, dst}) <= 1)
    return nullptr;
  return &copied_transfer(src, dst, bytes);
}

// Replica reduction (Executor::mirror). A per-replica transfer's copies: each
// timed on its own ends, with its loads, computed once per ends and size.
const Executor::CopiedTransfer& Executor::copied_transfer(DeviceId src, DeviceId dst, Bytes bytes) {
  const auto [it, added] =
      copied_transfers_.try_emplace(TransferKey{src.value(), dst.value(), bytes.count()});
  CopiedTransfer& ct = it->second;
  if (!added) return ct;
  const int copies = mirror_->copies_of(src);
  ct.took.resize(static_cast<std::size_t>(copies));
  ct.loads.resize(static_cast<std::size_t>(copies));
  for (int j = 0; j < copies; ++j) {
    const auto u = static_cast<std::size_t>(j);
    ct.took[u] =
        network_.time_alone(mirror_->in_copy(j, src), mirror_->in_copy(j, dst), bytes, ct.loads[u]).count();
  }
  return ct;
}

// A per-replica collective's copies, built at its first use.
const std::vector<CollectiveWork>& Executor::copied_collective(TaskId t, const CollectiveWork& c) {
  const auto [it, added] = copied_collectives_.try_emplace(t.value());
  if (!added) return it->second;
  for (int j = 0; j < mirror_->copies_of(c.group.front()); ++j) {
    CollectiveWork copy = c;
    for (DeviceId& d : copy.group) d = mirror_->in_copy(j, d);
    it->second.push_back(std::move(copy));
  }
  return it->second;
}

std::vector<std::int64_t> Executor::replica_signature(std::span<const std::int32_t> map) {
  const auto mapped = [&](DeviceId d) { return map[static_cast<std::size_t>(d.value())]; };
  // The sends and collectives on replica 0's devices alone (those `map` gives
  // a part), found once: every call maps the same devices, and a collective
  // across replicas would otherwise be read member by member per replica.
  if (!replica_work_) {
    replica_work_.emplace();
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      const task::Task& task = graph_.tasks()[i];
      if (const auto* x = std::get_if<task::TransferWork>(&task.work)) {
        if (mapped(x->src) >= 0 && mapped(x->dst) >= 0) replica_work_->push_back(i);
      } else if (const auto* k = std::get_if<CollectiveWork>(&task.work)) {
        if (collectives_ &&
            std::all_of(k->group.begin(), k->group.end(), [&](DeviceId d) { return mapped(d) >= 0; }))
          replica_work_->push_back(i);
      }
    }
  }
  std::vector<std::int64_t> out;
  std::unordered_set<TransferKey, TransferKeyHash> seen;
  std::vector<LinkLoad> loads;
  for (const std::size_t i : *replica_work_) {
    const task::Task& task = graph_.tasks()[i];
    if (const auto* x = std::get_if<task::TransferWork>(&task.work)) {
      if (!seen.insert(TransferKey{x->src.value(), x->dst.value(), x->bytes.count()}).second) continue;
      loads.clear();
      out.push_back(
          network_.time_alone(DeviceId(mapped(x->src)), DeviceId(mapped(x->dst)), x->bytes, loads).count());
    } else {
      CollectiveWork copy = std::get<CollectiveWork>(task.work);
      for (DeviceId& d : copy.group) d = DeviceId(mapped(d));
      const LoweredPlan& low = plans_->get(copy);
      out.push_back(low.plan->empty() ? 0 : timed_plan(low, copy.group).path->makespan.count());
    }
  }
  return out;
}

}  // namespace orrery::exec
