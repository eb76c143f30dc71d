// The GraphML structure of a scanned XML document, checked against what
// orrery reads and with every place kept: the keys, the one graph, its nodes
// and edges in document order, and where each attribute value is. It rejects,
// located, what Boost's reader would reject without a position (a missing id,
// source, target or edgedefault; an edge's direction against edgedefault; an
// attribute type Boost does not know, or a value it cannot convert) and what
// it would accept silently but orrery must not (an edge to an undeclared
// node, which Boost adds as a new vertex; a duplicate node id; data for an
// undeclared key; nested graphs, hyperedges and ports).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "topologies/xml_scan.hpp"

namespace orrery::topo {

struct GraphmlKey {
  std::string id;
  std::string name;    // attr.name
  std::string domain;  // for: node, edge, graph, all
  std::string type;    // attr.type (Boost's: boolean, int, long, float, double, string)
  std::optional<std::string> default_value;
  std::size_t default_offset = 0;
};

// A node or an edge, with the file offset of each attribute value it has
// (by attr.name).
struct GraphmlItem {
  std::size_t offset = 0;
  std::string id;  // the node's id; an edge's id attribute, if any
  std::map<std::string, std::size_t> value_at;
  int source = -1;  // edges: node indices
  int target = -1;
  std::size_t source_offset = 0;
  std::size_t target_offset = 0;
};

struct GraphmlLayout {
  bool directed = false;
  std::size_t graph_offset = 0;
  std::vector<GraphmlKey> keys;
  std::vector<GraphmlItem> nodes;
  std::vector<GraphmlItem> edges;
  const XmlElement* routes = nullptr;  // the graph's <data> for attr.name "routes"

  // The key with this attr.name for this domain (node, edge, graph), if any.
  [[nodiscard]] const GraphmlKey* key_named(const std::string& name, const std::string& domain) const;
  // Where `item`'s value of attribute `name` is: its <data>, else the key's
  // <default>, else the item itself.
  [[nodiscard]] std::size_t where(const GraphmlItem& item, const std::string& name, const std::string& domain) const;
};

// Throws ConfigError (located) for the faults above.
[[nodiscard]] GraphmlLayout lay_out_graphml(const XmlDocument& doc);

}  // namespace orrery::topo
