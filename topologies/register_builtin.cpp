#include "topologies/register_builtin.hpp"

#include "topologies/chain.hpp"
#include "topologies/dragonfly.hpp"
#include "topologies/fat_tree.hpp"
#include "topologies/file_topology.hpp"
#include "topologies/hammingmesh.hpp"
#include "topologies/node_board_mesh.hpp"
#include "topologies/node_nvswitch.hpp"
#include "topologies/node_pcie.hpp"
#include "topologies/node_xgmi.hpp"
#include "topologies/torus.hpp"

namespace orrery::topo {

void register_builtin(ScaleOutRegistry& scale_out, NodeRegistry& nodes) {
  scale_out.add("chain", "endpoints in a line (or a ring) joined by point-to-point duplex links",
                [](config::Reader& r) { return std::make_shared<ChainSpec>(ChainParams::read(r)); });
  scale_out.add("fat_tree",
                "2-level leaf-spine or 3-level Clos of any size, optionally tapered; up/down ECMP routes",
                [](config::Reader& r) { return std::make_shared<FatTreeSpec>(FatTreeParams::read(r)); });
  scale_out.add("file", "a network read from a GraphML file; shortest-path ECMP routes, or the file's own",
                [](config::Reader& r) { return std::make_shared<FileSpec>(FileParams::read(r)); });
  scale_out.add("torus", "n-dimensional torus (or mesh); dimension-order routes",
                [](config::Reader& r) { return std::make_shared<TorusSpec>(TorusParams::read(r)); });
  scale_out.add(
      "hammingmesh", "Hx(a×b)Mesh: board meshes joined by row and column trees (Hoefler et al. SC22)",
      [](config::Reader& r) { return std::make_shared<HammingMeshSpec>(HammingMeshParams::read(r)); });
  scale_out.add("dragonfly",
                "groups of all-to-all routers joined by global links; minimal routes (Kim et al. 2008)",
                [](config::Reader& r) { return std::make_shared<DragonflySpec>(DragonflyParams::read(r)); });

  nodes.add("single", "one device per node, attached straight to the scale-out network",
            [](config::Reader&) { return std::make_shared<SingleDeviceNode>(); });
  nodes.add("nvswitch", "devices all-to-all through one NVSwitch, NICs shared through PCIe",
            [](config::Reader& r) { return std::make_shared<NvSwitchNode>(NvSwitchParams::read(r)); });
  nodes.add("xgmi", "AMD GCDs joined point to point by xGMI links (MI250X-like by default)",
            [](config::Reader& r) { return std::make_shared<XgmiNode>(XgmiParams::read(r)); });
  nodes.add("pcie", "devices and NICs under PCIe switches below the root complex",
            [](config::Reader& r) { return std::make_shared<PcieNode>(PcieParams::read(r)); });
  nodes.add("board_mesh", "a × b devices wired as a 2D mesh on one board",
            [](config::Reader& r) { return std::make_shared<BoardMeshNode>(BoardMeshParams::read(r)); });
}

}  // namespace orrery::topo
