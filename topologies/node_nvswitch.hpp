// An NVSwitch node (DGX A100/H100-like): every device joined to one switch at
// a per-device bandwidth, so any two devices are two hops apart at the full
// NVLink rate. NIC i is shared by the devices it serves through a PCIe
// switch, modelled as a link from each of them (NodeFabric::Attach::kStar).
#pragma once

#include "topologies/node_fabric.hpp"

namespace orrery::topo {

struct NvSwitchParams {
  int devices = 8;
  Bandwidth bandwidth;
  Duration latency;
  NicParams nic;
  static NvSwitchParams read(config::Reader& r);
};

class NvSwitchFabric final : public NodeFabric {
 public:
  explicit NvSwitchFabric(const NvSwitchParams& p);
  [[nodiscard]] std::string_view kind() const override { return "nvswitch"; }

 protected:
  void device_route(int src, int dst, std::vector<LinkId>& out) const override;
  [[nodiscard]] int device_hops(int src, int dst) const override { return src == dst ? 0 : 2; }

 private:
  std::vector<LinkId> up_;  // device -> switch
};

class NvSwitchNode final : public NodeWithNics {
 public:
  explicit NvSwitchNode(NvSwitchParams p) : NodeWithNics(p.nic), p_(std::move(p)) {}
  [[nodiscard]] int devices() const override { return p_.devices; }
  [[nodiscard]] std::unique_ptr<NodeFabric> build() const override {
    return std::make_unique<NvSwitchFabric>(p_);
  }

 private:
  NvSwitchParams p_;
};

}  // namespace orrery::topo
