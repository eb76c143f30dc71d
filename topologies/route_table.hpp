// Routes between endpoints, each computed once and kept: the links of every
// route in one flat array, with its latency (the sum of its links') beside it.
// One table per cluster serves the network services and the collective tuner,
// so a pair is routed once per run whoever asks first. Not thread-safe: one
// run, one thread.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

class RouteTable {
 public:
  struct Route {
    std::uint32_t first = 0;  // into the flat link array
    std::uint32_t count = 0;
    Duration latency;
  };

  explicit RouteTable(const Topology& topology) : topology_(topology) {}
  [[nodiscard]] const Topology& topology() const { return topology_; }

  // The route from endpoint `src` to endpoint `dst`, computed on first use;
  // the index stays valid for the table's life.
  std::uint32_t index(int src, int dst);
  [[nodiscard]] const Route& route(std::uint32_t i) const { return routes_[i]; }
  const Route& between(int src, int dst) { return routes_[index(src, dst)]; }
  // A route's links, as link indices.
  [[nodiscard]] std::span<const std::int32_t> links(const Route& r) const { return {links_.data() + r.first, r.count}; }

 private:
  const Topology& topology_;
  std::vector<Route> routes_;
  std::vector<std::int32_t> links_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;  // (src << 32 | dst) -> routes_
  std::vector<LinkId> scratch_;
};

}  // namespace orrery::topo
