// A network read from a GraphML file (the `file` topology kind), checked and
// ready to build: vertices in the file's order, links with bandwidth and
// latency, and the routes the file gives, if any.
//
// The schema (attributes are matched by their `attr.name`; the key ids are
// free, as GraphML has them):
//   node  kind       endpoint | device (a vertex the network joins), switch,
//                    nic (a pass-through network interface); required
//   node  name       the vertex's name in messages and routes (default: its id)
//   edge  bandwidth  per direction: "400 Gb/s", "50 GB/s", or a bare number
//                    of bytes per second; required, positive
//   edge  latency    "500 ns", "1.5 us"; required, not negative
//   graph routes     optional: one route per line (or separated by ';'), each
//                    the names of the vertices it visits, from one endpoint to
//                    another; in an undirected graph a route also gives its
//                    reverse unless that is listed too
// A <default> on a key stands for a missing <data>. edgedefault="undirected"
// makes each edge a duplex pair of links (there, then back, as add_duplex
// numbers them); "directed" one link per edge. Endpoints are numbered in
// document order.
//
// Boost.Graph's read_graphml reads the vertices, edges and attribute values;
// xml_scan locates them, so every fault is reported at file:line:column.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct GraphmlNetwork {
  std::string file;
  bool directed = false;
  std::vector<Vertex> vertices;  // document order
  std::vector<Link> links;       // edge order; an undirected edge is two links
  // The given routes, complete: route_first[s·N + d] .. route_first[s·N + d + 1]
  // index route_links for endpoints s -> d. Empty when the file gives none.
  std::vector<std::uint32_t> route_first;
  std::vector<LinkId> route_links;
  SourceLocation routes_at;  // the <data> element that holds them

  [[nodiscard]] int endpoint_count() const;
  [[nodiscard]] bool has_routes() const { return !route_first.empty(); }
};

// The most endpoints a file with given routes may have: its table holds
// N·(N−1) routes.
constexpr int kMaxGivenRouteEndpoints = 4096;

// The largest GraphML file read: Boost's reader holds the whole document as a
// property tree, several times the text.
constexpr std::uintmax_t kMaxGraphmlBytes = std::uintmax_t{1} << 30;

// Reads and checks a GraphML file. Faults in the file are ConfigErrors at
// their place in it with `key_path` (the scenario key that names the file);
// a file that cannot be opened is a ValueError.
[[nodiscard]] std::shared_ptr<const GraphmlNetwork> read_graphml_network(const std::string& path,
                                                                         const std::string& key_path);
// The same for a text already in memory; `file` names it in messages.
[[nodiscard]] std::shared_ptr<const GraphmlNetwork> parse_graphml_network(std::string text, const std::string& file,
                                                                          const std::string& key_path);

}  // namespace orrery::topo
