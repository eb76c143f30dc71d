// The network an `orrery topo SPEC.yaml` file describes, built: either
// `endpoints: N` and `topology: {kind: ..., ...}` (one scale-out network), or
// a `cluster:` section as in a scenario (the whole file may be a scenario).
#pragma once

#include <memory>
#include <string>

#include "sim/run/catalog.hpp"
#include "sim/exec/cluster.hpp"

namespace orrery::run {

struct TopoSpec {
  std::unique_ptr<topo::Topology> topology;  // the `endpoints` + `topology` form
  std::unique_ptr<exec::Cluster> cluster;    // the `cluster` form
  [[nodiscard]] const topo::Topology& network() const { return cluster ? cluster->network() : *topology; }
};

// Throws ConfigError (located) for a bad spec.
[[nodiscard]] TopoSpec load_topo_spec(const Catalog& catalog, const std::string& path);
[[nodiscard]] TopoSpec parse_topo_spec(const Catalog& catalog, const std::string& text,
                                       const std::string& file_name);

}  // namespace orrery::run
