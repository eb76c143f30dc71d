#include "models/network/analytic.hpp"

#include <algorithm>
#include <limits>

namespace orrery::models {

Duration analytic_transfer_time(const topo::Topology& topology, std::span<const std::int32_t> route, Bytes bytes) {
  if (route.empty()) return Duration{};  // same endpoint: nothing crosses the network
  Duration alpha;
  double beta = std::numeric_limits<double>::infinity();
  for (const std::int32_t id : route) {
    const topo::Link& l = topology.link(LinkId(id));
    alpha += l.latency;
    beta = std::min(beta, l.bandwidth.bytes_per_s());
  }
  return analytic_transfer_time(alpha, Bandwidth::bytes_per_s(beta), bytes);
}

}  // namespace orrery::models
