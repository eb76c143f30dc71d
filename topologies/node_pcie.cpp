#include "topologies/node_pcie.hpp"

#include <fmt/format.h>

namespace orrery::topo {

PcieParams PcieParams::read(config::Reader& r) {
  PcieParams p;
  p.devices = r.optional<int>("devices", 8, "devices per node");
  p.switches =
      r.optional<int>("switches", 1, "PCIe switches under the root complex; the devices split evenly");
  p.bandwidth = r.required<Bandwidth>(
      "bandwidth", "per-direction bandwidth of each PCIe link, e.g. \"32 GB/s\" (Gen4 x16)");
  p.latency = r.optional<Duration>("latency", Duration::ns(0), "latency of each PCIe link");
  r.check(p.devices >= 1, "devices", fmt::format("must be at least 1, got {}", p.devices));
  r.check(p.switches >= 1 && p.switches <= p.devices && p.devices % std::max(p.switches, 1) == 0, "switches",
          fmt::format("{} switches cannot share {} devices evenly", p.switches, p.devices));
  r.check(p.bandwidth > Bandwidth{}, "bandwidth", "must be positive");
  r.check(p.latency >= Duration{}, "latency", "must not be negative");
  p.nic = NicParams::read(r, p.devices);
  return p;
}

PcieFabric::PcieFabric(const PcieParams& p) : NodeFabric(p.devices, p.nic.nics, false) {
  std::vector<VertexId> dev;
  for (int d = 0; d < p.devices; ++d)
    dev.push_back(add_vertex(VertexKind::kEndpoint, fmt::format("gpu{}", d)));
  const std::vector<VertexId> nic = add_nic_vertices();
  const VertexId root = add_vertex(VertexKind::kSwitch, "root");
  const int per_switch = p.devices / p.switches;
  std::vector<VertexId> sw;
  for (int s = 0; s < p.switches; ++s) {
    sw.push_back(add_vertex(VertexKind::kSwitch, fmt::format("pcie{}", s)));
    add_duplex(root, sw.back(), p.bandwidth, p.latency);
  }
  for (int d = 0; d < p.devices; ++d) {
    add_duplex(sw[static_cast<std::size_t>(d / per_switch)], dev[static_cast<std::size_t>(d)], p.bandwidth,
               p.latency);
  }
  for (int i = 0; i < p.nic.nics; ++i) {
    const int first = i * p.devices / p.nic.nics;
    add_duplex(sw[static_cast<std::size_t>(first / per_switch)], nic[static_cast<std::size_t>(i)],
               p.nic.bandwidth, p.nic.latency);
  }
  finish();
}

}  // namespace orrery::topo
