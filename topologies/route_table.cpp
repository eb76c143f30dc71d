#include "topologies/route_table.hpp"

#include <utility>

namespace orrery::topo {

RouteTable::Found RouteTable::add(std::size_t slot, std::uint64_t key, int src, int dst) {
  scratch_.clear();
  topology_.route(src, dst, scratch_);
  Route r{static_cast<std::uint32_t>(links_.size()), static_cast<std::uint32_t>(scratch_.size()), {}};
  for (LinkId l : scratch_) {
    links_.push_back(l.value());
    r.latency += topology_.link(l).latency;
  }
  const auto i = static_cast<std::uint32_t>(routes_.size());
  routes_.push_back(r);
  keys_[slot] = key;
  found_[slot] = Found{r, i};
  if (2 * routes_.size() > keys_.size()) grow();
  return {r, i};
}

void RouteTable::grow() {
  std::vector<std::uint64_t> keys(2 * keys_.size(), kEmpty);
  std::vector<Found> found(keys.size());
  --shift_;
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    if (keys_[k] == kEmpty) continue;
    std::size_t slot = (keys_[k] * kMix) >> shift_;
    while (keys[slot] != kEmpty) slot = (slot + 1) & (keys.size() - 1);
    keys[slot] = keys_[k];
    found[slot] = found_[k];
  }
  keys_ = std::move(keys);
  found_ = std::move(found);
}

}  // namespace orrery::topo
