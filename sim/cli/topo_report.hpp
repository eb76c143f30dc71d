// `orrery topo SPEC.yaml`: builds a topology (`endpoints: N` and `topology:
// {kind: ..., ...}`) or a cluster (a `cluster:` section, or a whole scenario)
// and prints its size, route lengths, bisection bandwidth and cost proxies
// (topologies/metrics.hpp); --dot and --graphml write the built graph
// (topologies/graph_export.hpp) to a file, or to stdout instead of the report.
#pragma once

#include <string>
#include <vector>

namespace orrery::cli {

int topo_report(const std::vector<std::string>& args);

}  // namespace orrery::cli
