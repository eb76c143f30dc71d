// A PCIe node: devices and NICs under a tree of PCIe switches below the
// host's root complex. The d devices are split evenly over s switches; NIC i
// sits under the switch of the first device it serves. Every PCIe link has one
// bandwidth; a NIC's link to its switch has the NIC's. A tree has exactly one
// path between two of its vertices, which is the route.
#pragma once

#include "topologies/node_fabric.hpp"

namespace orrery::topo {

struct PcieParams {
  int devices = 8;
  int switches = 1;
  Bandwidth bandwidth;
  Duration latency;
  NicParams nic;
  static PcieParams read(config::Reader& r);
};

class PcieFabric final : public NodeFabric {
 public:
  explicit PcieFabric(const PcieParams& p);
  [[nodiscard]] std::string_view kind() const override { return "pcie"; }

 protected:
  void compute_route(int src, int dst, std::vector<LinkId>& out) const override {
    bfs_route(endpoint(src), endpoint(dst), out);
  }
};

class PcieNode final : public NodeWithNics {
 public:
  explicit PcieNode(PcieParams p) : NodeWithNics(p.nic), p_(std::move(p)) {}
  [[nodiscard]] int devices() const override { return p_.devices; }
  [[nodiscard]] std::unique_ptr<NodeFabric> build() const override {
    return std::make_unique<PcieFabric>(p_);
  }

 private:
  PcieParams p_;
};

}  // namespace orrery::topo
