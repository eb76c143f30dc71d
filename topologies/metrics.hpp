// Topology metrics for `orrery topo` and for comparing networks per dollar:
// sizes, route lengths, bisection bandwidth and cost proxies.
//
// Bisection bandwidth here is the maximum flow from the first half of the
// endpoints (0..⌊N/2⌋-1) to the rest, each link a capacity of its bandwidth,
// with a super source joined to the first half and the second half joined to
// a super sink by links of unbounded capacity (Boost's push-relabel max flow,
// Goldberg and Tarjan 1988). By max-flow/min-cut it is the capacity of the
// thinnest cut that separates the two halves: this balanced cut, which for a
// network numbered with locality first (fat-tree leaves, torus planes,
// HammingMesh boards, dragonfly groups) is the classic bisection.
#pragma once

#include "topologies/topology.hpp"

namespace orrery::topo {

struct RouteStats {
  int diameter = 0;         // longest route, in links
  double average_hops = 0;  // over the ordered pairs measured
  std::int64_t pairs = 0;
  bool sampled = false;  // one endpoint per block of `stride` past `max_side` endpoints
};

struct TopologyMetrics {
  int endpoints = 0;
  int switches = 0;
  int nics = 0;
  std::int64_t links = 0;         // directed
  std::int64_t cables = 0;        // duplex pairs of links
  std::int64_t switch_ports = 0;  // link ends at switches
  RouteStats routes;
  Bandwidth bisection;
};

// Route lengths along the topology's own routes, over all ordered pairs of
// endpoints, or of an evenly spread sample of about `max_side` when more.
[[nodiscard]] RouteStats route_stats(const Topology& t, int max_side = 512);
// Max flow from endpoints [0, N/2) to [N/2, N).
[[nodiscard]] Bandwidth bisection_bandwidth(const Topology& t);
[[nodiscard]] TopologyMetrics measure(const Topology& t);

}  // namespace orrery::topo
