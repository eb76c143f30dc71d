// The executor tests' small cluster: p single-device nodes on a chain (or a
// ring) of 10 GB/s, 2 us links (topologies/chain).
#pragma once

#include <memory>

#include "sim/exec/cluster.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec::test {

inline ClusterSpec chain_of(int p, bool ring = false) {
  ClusterSpec spec;
  spec.nodes = p;
  spec.node = std::make_shared<topo::SingleDeviceNode>();
  spec.scale_out = std::make_shared<topo::ChainSpec>(
      topo::ChainParams{Bandwidth::bytes_per_s(10e9), Duration::us(2), ring});
  return spec;
}
// The same p devices closed into a ring.
inline ClusterSpec ring_of(int p) {
  return chain_of(p, true);
}

}  // namespace orrery::exec::test
