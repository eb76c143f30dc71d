#include "topologies/register_builtin.hpp"

#include "topologies/chain.hpp"

namespace orrery::topo {

void register_builtin(ScaleOutRegistry& scale_out, NodeRegistry& nodes) {
  scale_out.add("chain", "endpoints in a line (or a ring) joined by point-to-point duplex links",
                [](config::Reader& r) { return std::make_shared<ChainSpec>(ChainParams::read(r)); });
  nodes.add("single", "one device per node, attached straight to the scale-out network",
            [](config::Reader&) { return std::make_shared<SingleDeviceNode>(); });
}

}  // namespace orrery::topo
