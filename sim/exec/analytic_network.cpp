#include "sim/exec/analytic_network.hpp"

#include "models/network/analytic.hpp"

#include <algorithm>
#include <limits>

namespace orrery::exec {

namespace {

// A transfer's busy time on each link of its route, worked out once per run
// of links of one bandwidth (a route's links mostly share theirs).
class LinkBusy {
 public:
  Duration operator()(Bandwidth bw, Bytes bytes) {
    if (bw.bytes_per_s() != bandwidth_) {
      bandwidth_ = bw.bytes_per_s();
      busy_ = transfer_time(bytes, bw);
    }
    return busy_;
  }

 private:
  double bandwidth_ = -1;
  Duration busy_;
};

}  // namespace

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
  if (links.empty()) {  // same endpoint: nothing crosses the network
    engine_.schedule_after(Duration{}, std::move(done));
    return;
  }
  LinkBusy busy_on;
  double beta = std::numeric_limits<double>::infinity();
  for (const std::int32_t id : links) {
    auto& u = usage_[static_cast<std::size_t>(id)];
    const Bandwidth bw = net.link(LinkId(id)).bandwidth;
    beta = std::min(beta, bw.bytes_per_s());
    const Duration busy = busy_on(bw, bytes);
    u.busy += busy;
    u.bytes += bytes;
    if (timeline_) timeline_->add(id, engine_.now(), engine_.now() + busy, static_cast<double>(bytes.count()));
  }
  // The route's latency is the sum of its links' (the route table's), as the model's alpha.
  engine_.schedule_after(models::analytic_transfer_time(route.latency, Bandwidth::bytes_per_s(beta), bytes),
                         std::move(done));
}

// The same arithmetic as transfer(), with the loads handed back instead of added.
Duration AnalyticNetwork::time_alone(DeviceId src, DeviceId dst, Bytes bytes, std::vector<LinkLoad>& loads) {
  const auto links = routes_.links(routes_.between(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)));
  const topo::Topology& net = cluster_.network();
  LinkBusy busy_on;
  for (const std::int32_t id : links) {
    loads.push_back(LinkLoad{id, LinkUsage{busy_on(net.link(LinkId(id)).bandwidth, bytes), bytes}});
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
