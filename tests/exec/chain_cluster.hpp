// The executor tests' small cluster: p single-device nodes on a chain of
// 10 GB/s, 2 us links (topologies/chain).
#pragma once

#include <memory>

#include "sim/exec/cluster.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec::test {

inline ClusterSpec chain_of(int p) {
  ClusterSpec spec;
  spec.nodes = p;
  spec.node = std::make_shared<topo::SingleDeviceNode>();
  spec.scale_out = std::make_shared<topo::ChainSpec>(
      topo::ChainParams{Bandwidth::bytes_per_s(10e9), Duration::us(2), false});
  return spec;
}

}  // namespace orrery::exec::test
