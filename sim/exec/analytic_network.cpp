#include "sim/exec/analytic_network.hpp"

#include "models/network/analytic.hpp"

namespace orrery::exec {

AnalyticNetwork::AnalyticNetwork(sim::Engine& engine, const Cluster& cluster)
    : engine_(engine), cluster_(cluster), usage_(cluster.network().links().size()), routes_(cluster.routes()) {}

void AnalyticNetwork::transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) {
  start(routes_.between(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)), bytes, std::move(done));
}

NetworkService::KnownRoute AnalyticNetwork::route(DeviceId src, DeviceId dst) {
  return {routes_.find(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)), src, dst, true};
}

void AnalyticNetwork::transfer_on(const KnownRoute& route, Bytes bytes, sim::Engine::Handler done) {
  start(route.found.route, bytes, std::move(done));
}

void AnalyticNetwork::start(const topo::RouteTable::Route& route, Bytes bytes, sim::Engine::Handler&& done) {
  const auto links = routes_.links(route);
  const topo::Topology& net = cluster_.network();
  for (const std::int32_t id : links) {
    auto& u = usage_[static_cast<std::size_t>(id)];
    const Duration busy = transfer_time(bytes, net.link(LinkId(id)).bandwidth);
    u.busy += busy;
    u.bytes += bytes;
    if (timeline_) timeline_->add(id, engine_.now(), engine_.now() + busy, static_cast<double>(bytes.count()));
  }
  engine_.schedule_after(models::analytic_transfer_time(net, links, bytes), std::move(done));
}

// The same arithmetic as transfer(), with the loads handed back instead of added.
Duration AnalyticNetwork::time_alone(DeviceId src, DeviceId dst, Bytes bytes, std::vector<LinkLoad>& loads) {
  const auto links = routes_.links(routes_.between(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)));
  const topo::Topology& net = cluster_.network();
  for (const std::int32_t id : links) {
    loads.push_back(LinkLoad{id, LinkUsage{transfer_time(bytes, net.link(LinkId(id)).bandwidth), bytes}});
  }
  return models::analytic_transfer_time(net, links, bytes);
}

void AnalyticNetwork::add_loads(std::span<const LinkLoad> loads, Time from, Time to) {
  for (const LinkLoad& l : loads) {
    auto& u = usage_[static_cast<std::size_t>(l.link)];
    u.busy += l.usage.busy;
    u.bytes += l.usage.bytes;
    if (timeline_) timeline_->add(l.link, from, to, static_cast<double>(l.usage.bytes.count()));
  }
}

}  // namespace orrery::exec
