#include "topologies/route_table.hpp"

namespace orrery::topo {

std::uint32_t RouteTable::index(int src, int dst) {
  const std::uint64_t key =
      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(src)) << 32) | static_cast<std::uint32_t>(dst);
  const auto [it, inserted] = index_.try_emplace(key, static_cast<std::uint32_t>(routes_.size()));
  if (inserted) {
    scratch_.clear();
    topology_.route(src, dst, scratch_);
    Route r{static_cast<std::uint32_t>(links_.size()), static_cast<std::uint32_t>(scratch_.size()), {}};
    for (LinkId l : scratch_) {
      links_.push_back(l.value());
      r.latency += topology_.link(l).latency;
    }
    routes_.push_back(r);
  }
  return it->second;
}

}  // namespace orrery::topo
