#include "sim/exec/analytic_network.hpp"

#include "models/network/analytic.hpp"

#include <algorithm>
#include <limits>

namespace orrery::exec {

namespace {

// A transfer of `bytes` over a route: each link's busy time, handed to
// `on_link(link, busy)` (worked out once per run of links of one bandwidth: a
// route's links mostly share theirs), and the transfer's time, the model's
// alpha + bytes / beta (models/network/analytic.hpp) with alpha the route's
// latency, which the route table keeps, and beta its narrowest link, found in
// the same pass. An empty route (same endpoint) takes no time.
template <class OnLink>
Duration walk_route(const topo::Topology& net, const topo::RouteTable& routes,
                    const topo::RouteTable::Route& route, Bytes bytes, OnLink&& on_link) {
  const std::span<const std::int32_t> links = routes.links(route);
  double beta = std::numeric_limits<double>::infinity();
  double bandwidth = -1;
  Duration busy;
  for (const std::int32_t id : links) {
    const double bw = net.link(LinkId(id)).bandwidth.bytes_per_s();
    beta = std::min(beta, bw);
    if (bw != bandwidth) {
      bandwidth = bw;
      busy = transfer_time(bytes, Bandwidth::bytes_per_s(bw));
    }
    on_link(id, busy);
  }
  if (links.empty()) return Duration{};
  return models::analytic_transfer_time(route.latency, Bandwidth::bytes_per_s(beta), bytes);
}

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
  const Time now = engine_.now();
  const Duration took =
      walk_route(cluster_.network(), routes_, route, bytes, [&](std::int32_t id, Duration busy) {
        auto& u = usage_[static_cast<std::size_t>(id)];
        u.busy += busy;
        u.bytes += bytes;
        if (timeline_) timeline_->add(id, now, now + busy, static_cast<double>(bytes.count()));
      });
  engine_.schedule_after(took, std::move(done));
}

// The same arithmetic as transfer(), with the loads handed back instead of added.
Duration AnalyticNetwork::time_alone(DeviceId src, DeviceId dst, Bytes bytes, std::vector<LinkLoad>& loads) {
  const topo::RouteTable::Route route = routes_.between(cluster_.endpoint_of(src), cluster_.endpoint_of(dst));
  return walk_route(cluster_.network(), routes_, route, bytes, [&](std::int32_t id, Duration busy) {
    loads.push_back(LinkLoad{id, LinkUsage{busy, bytes}});
  });
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
