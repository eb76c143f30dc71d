#include "workloads/training/training_groups.hpp"

#include <fmt/format.h>

#include <string>

#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

InGroupCollectives::InGroupCollectives(const ParallelPlan& plan, int virtual_stages)
    : stages_(plan.pp), virtual_stages_(virtual_stages) {
  groups_.resize(static_cast<std::size_t>(plan.dp * plan.pp));
  for (int d = 0; d < plan.dp; ++d) {
    for (int s = 0; s < plan.pp; ++s) {
      auto& gr = groups_[static_cast<std::size_t>(d * plan.pp + s)];
      gr[0] = plan.group(Coord{0, 0, d, s}, {Axis::kTp});
      gr[1] = plan.group(Coord{0, 0, d, s}, {Axis::kCp});
      const int first =
          d / plan.ep * plan.ep;  // the expert-parallel group: ep consecutive data-parallel ranks
      for (int i = 0; i < plan.ep; ++i) gr[2].push_back(plan.device(Coord{0, 0, first + i, s}));
    }
  }
  tails_.resize(static_cast<std::size_t>(plan.dp) * static_cast<std::size_t>(virtual_stages) * kSlots);
  heads_.resize(static_cast<std::size_t>(plan.dp * plan.pp));
}

const std::vector<DeviceId>& InGroupCollectives::group(Axis axis, int dp, int stage) const {
  const auto& gr = groups_[static_cast<std::size_t>(dp * stages_ + stage)];
  return axis == Axis::kTp ? gr[0] : axis == Axis::kCp ? gr[1] : gr[2];
}

const InGroupCollectives::Entry& InGroupCollectives::tail(TaskGraph& g, int dp, int stage, int virtual_stage,
                                                          PipeOpType type, const OpCost& cost) {
  return tail_in(static_cast<std::size_t>(type), g, dp, stage, virtual_stage, cost);
}

const InGroupCollectives::Entry& InGroupCollectives::piece_tail(TaskGraph& g, int dp, int stage, int virtual_stage,
                                                                const OpCost& piece) {
  return tail_in(kSlots - 1, g, dp, stage, virtual_stage, piece);
}

const InGroupCollectives::Entry& InGroupCollectives::tail_in(std::size_t index, TaskGraph& g, int dp, int stage,
                                                             int virtual_stage, const OpCost& cost) {
  auto& slot = tails_[(static_cast<std::size_t>(dp) * static_cast<std::size_t>(virtual_stages_) +
                       static_cast<std::size_t>(virtual_stage)) *
                          kSlots +
                      index];
  if (slot) return *slot;
  slot.emplace();
  if (cost.comm.empty()) return *slot;
  GroupCost calls;
  std::string name;
  for (const CommCall& call : cost.comm) {
    calls.calls.push_back(GroupCall{collective(call.op, group(call.axis, dp, stage), call.bytes), call.count});
    name += fmt::format("{}{} {}", name.empty() ? "" : " + ", name_of(call.axis), name_of(call.op));
  }
  slot->cost = g.add_group_cost(std::move(calls));
  slot->name = g.intern(name);
  return *slot;
}

const InGroupCollectives::Entry& InGroupCollectives::gather_head(TaskGraph& g, int dp, int stage, Bytes activation) {
  auto& slot = heads_[static_cast<std::size_t>(dp * stages_ + stage)];
  if (slot) return *slot;
  GroupCost gather;
  gather.calls.push_back(GroupCall{collective(CollectiveOp::kAllGather, group(Axis::kTp, dp, stage), activation), 1});
  slot = Entry{g.add_group_cost(std::move(gather)), g.intern("tp all_gather (received)")};
  return *slot;
}

}  // namespace orrery::workload::training
