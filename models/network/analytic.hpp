// The analytic transfer model: alpha + bytes / beta along a route, without
// contention. alpha is the sum of the links' latencies; beta is the route's
// bottleneck bandwidth (cut-through: the message is pipelined over the hops,
// so it is serialized once, at the slowest link). For very large sweeps.
#pragma once

#include <cstdint>
#include <span>

#include "sim/core/ids.hpp"
#include "topologies/topology.hpp"

namespace orrery::models {

// `route`: link indices (topo::RouteTable::links).
[[nodiscard]] Duration analytic_transfer_time(const topo::Topology& topology, std::span<const std::int32_t> route,
                                              Bytes bytes);
// The same from the route's alpha and beta, for a caller that has them (a
// route table keeps each route's latency; a pass over its links finds beta).
[[nodiscard]] inline Duration analytic_transfer_time(Duration alpha, Bandwidth beta, Bytes bytes) {
  return alpha + transfer_time(bytes, beta);
}

}  // namespace orrery::models
