#include "models/collective/collective_algorithm.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "models/collective/collective_cost.hpp"

namespace orrery::models {

std::string CollectiveAlgorithm::check(const CollectiveCall&) const {
  return {};
}

Duration CollectiveAlgorithm::predict(const CollectiveCall& call, GroupRoutes& routes) const {
  return predict_plan(lower(call), routes);
}

std::string check_call(const CollectiveCall& call) {
  if (call.ranks < 1) return "the group is empty";
  if (call.bytes < Bytes(0)) return fmt::format("bytes must not be negative, got {}", call.bytes.count());
  if (call.root < 0 || call.root >= call.ranks) {
    return fmt::format("root {} is not a rank of the group (0 to {})", call.root, call.ranks - 1);
  }
  if (!(call.density > 0 && call.density <= 1)) {
    return fmt::format("density must be in (0, 1], got {}", call.density);
  }
  if (!call.node_of.empty() && static_cast<int>(call.node_of.size()) != call.ranks) {
    return fmt::format("node_of names {} ranks, the group has {}", call.node_of.size(), call.ranks);
  }
  return {};
}

void CollectiveLibrary::add(std::shared_ptr<const CollectiveAlgorithm> algorithm) {
  all_.push_back(std::move(algorithm));
  std::sort(all_.begin(), all_.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
}

const CollectiveAlgorithm* CollectiveLibrary::find(std::string_view name) const {
  for (const auto& a : all_)
    if (a->name() == name) return a.get();
  return nullptr;
}

std::vector<std::string> CollectiveLibrary::algorithms() const {
  std::vector<std::string> out;
  for (const auto& a : all_) out.emplace_back(a->name());
  return out;
}

CollectiveCall call_of(const task::CollectiveWork& work, int devices_per_node) {
  CollectiveCall call;
  call.op = work.op;
  call.ranks = static_cast<int>(work.group.size());
  call.bytes = work.bytes;
  call.root = work.root;
  call.density = work.density;
  call.dims = work.dims;
  for (DeviceId d : work.group) call.node_of.push_back(d.value() / std::max(devices_per_node, 1));
  return call;
}

std::string CollectiveLibrary::why_not(const task::CollectiveWork& work, int devices_per_node) const {
  const CollectiveAlgorithm* a = find(work.algorithm.get());
  if (!a) return {};  // auto, or a name the reader has already refused
  const CollectiveCall call = call_of(work, devices_per_node);
  if (std::string why = check_call(call); !why.empty()) return why;
  return a->check(call);
}

std::vector<std::string> CollectiveLibrary::algorithms_for(CollectiveOp op) const {
  std::vector<std::string> out;
  for (const auto& a : all_)
    if (a->supports(op)) out.emplace_back(a->name());
  return out;
}

}  // namespace orrery::models
