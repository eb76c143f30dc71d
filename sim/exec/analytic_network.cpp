#include "sim/exec/analytic_network.hpp"

#include "models/network/analytic.hpp"

namespace orrery::exec {

AnalyticNetwork::AnalyticNetwork(sim::Engine& engine, const Cluster& cluster)
    : engine_(engine), cluster_(cluster), usage_(cluster.network().links().size()) {}

const std::vector<LinkId>& AnalyticNetwork::route(DeviceId src, DeviceId dst) {
  const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(src.value())) << 32) |
                            static_cast<std::uint32_t>(dst.value());
  auto [it, inserted] = routes_.try_emplace(key);
  if (inserted) cluster_.network().route(cluster_.endpoint_of(src), cluster_.endpoint_of(dst), it->second);
  return it->second;
}

void AnalyticNetwork::transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) {
  const auto& links = route(src, dst);
  const topo::Topology& net = cluster_.network();
  for (LinkId id : links) {
    auto& u = usage_[static_cast<std::size_t>(id.value())];
    u.busy += transfer_time(bytes, net.link(id).bandwidth);
    u.bytes += bytes;
  }
  engine_.schedule_after(models::analytic_transfer_time(net, links, bytes), std::move(done));
}

}  // namespace orrery::exec
