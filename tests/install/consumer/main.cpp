// Builds a two-level fat tree with the installed engine and prints its
// endpoint count, switch count and the hops between endpoints on different
// leaves. For radix 8 and 16 endpoints: 4 leaves of 4 endpoints and 4 spines
// (8 switches); endpoint -> leaf -> spine -> leaf -> endpoint is 4 hops.
#include <iostream>
#include <vector>

#include "topologies/fat_tree.hpp"

int main() {
  orrery::topo::FatTreeParams p;
  p.levels = 2;
  p.radix = 8;
  p.oversubscription = {1.0};
  const orrery::topo::FatTree tree(p, 16, orrery::Bandwidth::bytes_per_s(50e9));
  int switches = 0;
  for (const auto& v : tree.vertices()) switches += v.kind == orrery::topo::VertexKind::kSwitch ? 1 : 0;
  std::vector<orrery::LinkId> route;
  tree.route(0, 15, route);
  std::cout << tree.endpoint_count() << " " << switches << " " << route.size() << "\n";
  return 0;
}
