#include "topologies/node_nvswitch.hpp"

#include <fmt/format.h>

namespace orrery::topo {

NvSwitchParams NvSwitchParams::read(config::Reader& r) {
  NvSwitchParams p;
  p.devices = r.optional<int>("devices", 8, "devices per node");
  p.bandwidth = r.required<Bandwidth>(
      "bandwidth",
      "per-direction bandwidth between each device and the switch, e.g. \"300 GB/s\" (NVLink 3)");
  p.latency = r.optional<Duration>("latency", Duration::ns(0), "latency of a device-to-switch link");
  r.check(p.devices >= 1, "devices", fmt::format("must be at least 1, got {}", p.devices));
  r.check(p.bandwidth > Bandwidth{}, "bandwidth", "must be positive");
  r.check(p.latency >= Duration{}, "latency", "must not be negative");
  p.nic = NicParams::read(r, p.devices);
  return p;
}

NvSwitchFabric::NvSwitchFabric(const NvSwitchParams& p) : NodeFabric(p.devices, p.nic.nics, false) {
  std::vector<VertexId> dev;
  for (int d = 0; d < p.devices; ++d)
    dev.push_back(add_vertex(VertexKind::kEndpoint, fmt::format("gpu{}", d)));
  attach_nics(p.nic, dev, Attach::kStar);
  const VertexId sw = add_vertex(VertexKind::kSwitch, "nvswitch");
  for (int d = 0; d < p.devices; ++d)
    up_.push_back(add_duplex(dev[static_cast<std::size_t>(d)], sw, p.bandwidth, p.latency));
  finish();
}

void NvSwitchFabric::device_route(int src, int dst, std::vector<LinkId>& out) const {
  if (src == dst) return;
  out.push_back(up_[static_cast<std::size_t>(src)]);
  out.push_back(LinkId(up_[static_cast<std::size_t>(dst)].value() + 1));
}

}  // namespace orrery::topo
