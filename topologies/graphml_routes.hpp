// The routes a GraphML file gives (the graph's `routes` attribute), read into
// the network's route table: one route per line or per ';', each the names of
// the vertices it visits, first and last endpoints, consecutive ones joined by
// a link (the first such link in file order where there are parallel ones).
// In an undirected graph a route from a to b also serves b to a, reversed,
// unless the file lists that one too. The table must then hold every ordered
// pair of endpoints. Each fault is located at its word in the file.
#pragma once

#include <string>
#include <unordered_map>

#include "topologies/graphml_network.hpp"
#include "topologies/xml_scan.hpp"

namespace orrery::topo {

// `names` maps each vertex name to its index in net.vertices; fills
// net.route_first, route_links and routes_at.
void read_given_routes(const XmlDocument& doc, const XmlElement& routes,
                       const std::unordered_map<std::string, int>& names, GraphmlNetwork& net);

}  // namespace orrery::topo
