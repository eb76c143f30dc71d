// The registries of topology kinds, and the one function that fills them.
// To add a topology: write NAME.hpp/.cpp with a Params::read and a class
// derived from Topology, add one line to register_builtin.cpp, a test in
// tests/topologies/ and an example in scenarios/.
#pragma once

#include <memory>

#include "sim/config/registry.hpp"
#include "topologies/node_fabric.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

using ScaleOutRegistry = config::Registry<std::shared_ptr<const ScaleOutSpec>>;
using NodeRegistry = config::Registry<std::shared_ptr<const NodeSpec>>;

void register_builtin(ScaleOutRegistry& scale_out, NodeRegistry& nodes);

}  // namespace orrery::topo
