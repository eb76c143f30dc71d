#include "topologies/node_fabric.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace orrery::topo {

NicParams NicParams::read(config::Reader& r, int devices) {
  NicParams p;
  p.nics = r.optional<int>("nics", 1, "NICs per node; NIC i serves devices [i·d/nics, (i+1)·d/nics)");
  p.bandwidth = r.required<Bandwidth>("nic_bandwidth", "per-direction bandwidth of each NIC");
  p.latency = r.optional<Duration>("nic_latency", Duration::ns(0), "latency of a device-to-NIC link");
  p.rail_optimized =
      r.optional<bool>("rail_optimized", false,
                       "NIC i of every node on its own scale-out network (rail i), one network per NIC");
  r.check(p.nics >= 1, "nics", fmt::format("must be at least 1, got {}", p.nics));
  r.check(
      p.nics <= devices && devices % std::max(p.nics, 1) == 0, "nics",
      fmt::format("{} NICs cannot share {} devices evenly; use a divisor of {}", p.nics, devices, devices));
  r.check(p.bandwidth > Bandwidth{}, "nic_bandwidth", "must be positive");
  r.check(p.latency >= Duration{}, "nic_latency", "must not be negative");
  return p;
}

NodeFabric::NodeFabric(int devices, int nics, bool device_is_nic)
    : devices_(devices), nics_(nics), device_is_nic_(device_is_nic) {
  if (devices < 1 || nics < 1 || nics > devices || devices % nics != 0) {
    throw ValueError(fmt::format("a node of {} devices cannot share {} NICs evenly", devices, nics));
  }
}

std::vector<VertexId> NodeFabric::add_nic_vertices() {
  std::vector<VertexId> out;
  for (int i = 0; i < nics_; ++i) out.push_back(add_vertex(VertexKind::kEndpoint, fmt::format("nic{}", i)));
  return out;
}

void NodeFabric::attach_nics(const NicParams& p, std::span<const VertexId> device_vertices, Attach how) {
  nic_link_.assign(static_cast<std::size_t>(devices_), LinkId());
  const std::vector<VertexId> nic_vertices = add_nic_vertices();
  for (int d = 0; d < devices_; ++d) {
    const int i = nic_of(d);
    if (how == Attach::kAnchor && d != i * devices_ / nics_) continue;
    nic_link_[static_cast<std::size_t>(d)] =
        add_duplex(device_vertices[static_cast<std::size_t>(d)], nic_vertices[static_cast<std::size_t>(i)],
                   p.bandwidth, p.latency);
  }
}

void NodeFabric::finish() {
  seal();
  const int n = endpoint_count();
  table_.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), {});
  for (int s = 0; s < n; ++s) {
    for (int t = 0; t < n; ++t) {
      if (s != t) compute_route(s, t, table_[static_cast<std::size_t>(s * n + t)]);
    }
  }
}

void NodeFabric::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  const auto& r = table_[static_cast<std::size_t>(src * endpoint_count() + dst)];
  out.insert(out.end(), r.begin(), r.end());
}

int NodeFabric::gateway(int device, int nic) const {
  int best = -1, best_hops = 0;
  for (int d = nic * devices_ / nics_; d < (nic + 1) * devices_ / nics_; ++d) {
    if (!nic_link_[static_cast<std::size_t>(d)].valid()) continue;
    const int h = device_hops(device, d);
    if (best < 0 || h < best_hops) {
      best = d;
      best_hops = h;
    }
  }
  return best;
}

void NodeFabric::compute_route(int src, int dst, std::vector<LinkId>& out) const {
  const bool src_nic = src >= devices_, dst_nic = dst >= devices_;
  // Each NIC end is replaced by the device it is reached through.
  const int from =
      src_nic ? gateway(dst_nic ? (src - devices_) * devices_ / nics_ : dst, src - devices_) : src;
  const int to = dst_nic ? gateway(from, dst - devices_) : dst;
  if (src_nic) out.push_back(LinkId(nic_link_[static_cast<std::size_t>(from)].value() + 1));
  if (from != to) device_route(from, to, out);
  if (dst_nic) out.push_back(nic_link_[static_cast<std::size_t>(to)]);
}

void NodeFabric::device_route(int src, int dst, std::vector<LinkId>& out) const {
  bfs_route(endpoint(src), endpoint(dst), out);
}

int NodeFabric::device_hops(int src, int dst) const {
  std::vector<LinkId> r;
  device_route(src, dst, r);
  return static_cast<int>(r.size());
}

SingleDeviceFabric::SingleDeviceFabric() : NodeFabric(1, 1, true) {
  add_vertex(VertexKind::kEndpoint, "d");
  finish();
}

}  // namespace orrery::topo
