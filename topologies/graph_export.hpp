// A built topology written out as Graphviz DOT or as GraphML (`orrery topo
// --dot`, `--graphml`), with Boost.Graph's own writers (write_graphviz_dp,
// write_graphml): the GraphML is what Boost's reader, and so the `file`
// topology kind, reads back (graphml_network.hpp has the schema), and both
// writers escape names and values as their formats require.
//
// Vertices carry `name` and `kind` (device — a cluster's endpoints —,
// endpoint, switch, nic); edges `bandwidth` and `latency`, written in a unit
// that reads back to the same value ("400 Gb/s", else exact bytes per
// second). When the links pair up as add_duplex makes them (link 2k+1 is
// link 2k reversed, with the same bandwidth and latency: every built-in
// topology) each pair is one undirected edge, so reading the file back gives
// the same links in the same order; otherwise every link is a directed edge
// (Boost's writer then lists them by source vertex). With `routes`, the
// GraphML also holds the topology's own route for every ordered pair of
// endpoints, for `routing: given`.
#pragma once

#include <ostream>

#include "topologies/graphml_network.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct ExportOptions {
  bool endpoints_are_devices = false;  // a cluster: its endpoints are devices
  bool routes = false;                 // GraphML: every ordered pair's route
  // The most bytes of route text written: past the size the `file` kind reads
  // back, the file would be refused (a 1,024-endpoint chain's routes take 1.7 GB).
  std::uintmax_t max_route_bytes = kMaxGraphmlBytes;
};

// The most endpoints whose routes --routes writes: N·(N−1) lines.
constexpr int kMaxExportedRouteEndpoints = 1024;

// Whether every link 2k+1 is link 2k reversed with the same bandwidth and latency.
[[nodiscard]] bool links_pair_as_duplex(const Topology& t);

void write_dot(const Topology& t, std::ostream& out, const ExportOptions& options);
// Throws ValueError when `routes` is asked of more than kMaxExportedRouteEndpoints
// endpoints or their text would exceed max_route_bytes.
void write_graphml(const Topology& t, std::ostream& out, const ExportOptions& options);

}  // namespace orrery::topo
