#include "sim/exec/cluster.hpp"

namespace orrery::exec {

// With single-device nodes, device i is endpoint i of the scale-out network.
// Node fabrics with several devices compose their graph with the scale-out one.
Cluster::Cluster(const ClusterSpec& spec)
    : devices_(spec.nodes * spec.node->devices()),
      devices_per_node_(spec.node->devices()),
      network_(spec.scale_out->build(spec.nodes)) {}

}  // namespace orrery::exec
