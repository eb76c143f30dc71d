#include "sim/exec/analytic_network.hpp"

#include "models/network/analytic.hpp"

namespace orrery::exec {

AnalyticNetwork::AnalyticNetwork(sim::Engine& engine, const Cluster& cluster)
    : engine_(engine), cluster_(cluster), usage_(cluster.network().links().size()), routes_(cluster.routes()) {}

void AnalyticNetwork::transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) {
  const auto links = routes_.links(routes_.between(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)));
  const topo::Topology& net = cluster_.network();
  for (const std::int32_t id : links) {
    auto& u = usage_[static_cast<std::size_t>(id)];
    u.busy += transfer_time(bytes, net.link(LinkId(id)).bandwidth);
    u.bytes += bytes;
  }
  engine_.schedule_after(models::analytic_transfer_time(net, links, bytes), std::move(done));
}

}  // namespace orrery::exec
