#include "topologies/dragonfly.hpp"

#include <fmt/format.h>

#include "topologies/ecmp.hpp"

namespace orrery::topo {

DragonflyParams DragonflyParams::read(config::Reader& r) {
  DragonflyParams p;
  p.routers = r.required<int>("routers", "routers per group (a), joined all-to-all");
  p.endpoints_per_router = r.required<int>("endpoints_per_router", "endpoints on each router (p)");
  p.global_links = r.required<int>("global_links", "global links per router (h)");
  const auto groups = r.maybe<int>("groups", "number of groups (g); default the balanced a·h + 1");
  p.link_bandwidth = r.maybe<Bandwidth>("link_bandwidth",
                                        "per-direction bandwidth of endpoint links, and of the others unless "
                                        "set below; in a cluster, defaults to the "
                                        "nodes' nic_bandwidth");
  p.local_bandwidth = r.maybe<Bandwidth>("local_bandwidth", "links inside a group (default link_bandwidth)");
  p.global_bandwidth =
      r.maybe<Bandwidth>("global_bandwidth", "links between groups (default link_bandwidth)");
  p.link_latency =
      r.optional<Duration>("link_latency", Duration::ns(500), "latency of endpoint links, and default");
  p.local_latency = r.optional<Duration>("local_latency", p.link_latency, "latency of links inside a group");
  p.global_latency =
      r.optional<Duration>("global_latency", p.link_latency, "latency of links between groups");
  if (r.describing()) return p;
  r.check(p.routers >= 1, "routers", fmt::format("must be at least 1, got {}", p.routers));
  r.check(p.endpoints_per_router >= 1, "endpoints_per_router",
          fmt::format("must be at least 1, got {}", p.endpoints_per_router));
  r.check(p.global_links >= 0, "global_links", fmt::format("must not be negative, got {}", p.global_links));
  p.groups = groups.value_or(p.routers * p.global_links + 1);
  r.check(p.groups >= 1, "groups", fmt::format("must be at least 1, got {}", p.groups));
  r.check(
      p.groups == 1 || p.routers * p.global_links >= p.groups - 1, groups ? "groups" : "global_links",
      fmt::format(
          "{} groups need {} global ports per group to link every pair of groups once, but a·h = {} × {} = "
          "{}",
          p.groups, p.groups - 1, p.routers, p.global_links, p.routers * p.global_links));
  const double endpoints = static_cast<double>(p.routers) * p.endpoints_per_router * p.groups;
  r.check(endpoints <= kMaxEndpoints, "groups",
          fmt::format("{} endpoints are more than the {} orrery builds", endpoints, kMaxEndpoints));
  const double local = static_cast<double>(p.routers) * p.routers * p.groups;
  r.check(local <= (1 << 26), "routers",
          fmt::format("{} groups of {} routers all-to-all are too many local links to build", p.groups, p.routers));
  for (const auto& [bw, key] :
       {std::pair{p.link_bandwidth, "link_bandwidth"}, std::pair{p.local_bandwidth, "local_bandwidth"},
        std::pair{p.global_bandwidth, "global_bandwidth"}}) {
    r.check(!bw || *bw > Bandwidth{}, key, "must be positive");
  }
  r.check(p.link_latency >= Duration{} && p.local_latency >= Duration{} && p.global_latency >= Duration{},
          "link_latency", "must not be negative");
  return p;
}

Dragonfly::Dragonfly(const DragonflyParams& p, int endpoints, const Bandwidths& bw)
    : a_(p.routers),
      p_(p.endpoints_per_router),
      h_(p.global_links),
      g_(p.groups),
      m_(std::max(p.groups - 1, 1)),
      rounds_(p.rounds()) {
  for (int e = 0; e < endpoints; ++e) add_vertex(VertexKind::kEndpoint, fmt::format("e{}", e));
  const int first = endpoints;
  for (int grp = 0; grp < g_; ++grp) {
    for (int r = 0; r < a_; ++r) add_vertex(VertexKind::kSwitch, fmt::format("g{}.r{}", grp, r));
  }
  const auto router = [&](int grp, int r) { return VertexId(first + grp * a_ + r); };
  for (int e = 0; e < endpoints; ++e)
    ep_up_.push_back(add_duplex(VertexId(e), VertexId(first + e / p_), bw.endpoint, p.link_latency));
  local_.assign(static_cast<std::size_t>(g_) * a_ * a_, LinkId());
  for (int grp = 0; grp < g_; ++grp) {
    for (int r1 = 0; r1 < a_; ++r1) {
      for (int r2 = r1 + 1; r2 < a_; ++r2) {
        const LinkId l = add_duplex(router(grp, r1), router(grp, r2), bw.local, p.local_latency);
        local_[static_cast<std::size_t>((grp * a_ + r1) * a_ + r2)] = l;
        local_[static_cast<std::size_t>((grp * a_ + r2) * a_ + r1)] = LinkId(l.value() + 1);
      }
    }
  }
  const int ports = a_ * h_;
  global_.assign(static_cast<std::size_t>(g_) * ports, LinkId());
  for (int grp = 0; grp < g_; ++grp) {
    for (int k = 0; k < rounds_ * m_; ++k) {
      const int other = (grp + k % m_ + 1) % g_;
      if (other < grp) continue;  // added from the other end
      const int back = far_port(k);
      const LinkId l = add_duplex(router(grp, port_router(k)), router(other, port_router(back)), bw.global,
                                  p.global_latency);
      global_[static_cast<std::size_t>(grp * ports + k)] = l;
      global_[static_cast<std::size_t>(other * ports + back)] = LinkId(l.value() + 1);
    }
  }
  seal();
}

void Dragonfly::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  if (src == dst) return;
  const int rs = src / p_, rd = dst / p_;  // global router numbers
  const int gs = rs / a_, gd = rd / a_;
  const auto local = [&](int grp, int r1, int r2) {
    if (r1 != r2) out.push_back(local_[static_cast<std::size_t>((grp * a_ + r1) * a_ + r2)]);
  };
  out.push_back(ep_up_[static_cast<std::size_t>(src)]);
  if (gs == gd) {
    local(gs, rs % a_, rd % a_);
  } else {
    // Group gs's ports toward gd: offset o in every round.
    const int o = ((gd - gs - 1) % g_ + g_) % g_;
    const auto cost = [&](int q) {
      const int k = q * m_ + o;
      return (port_router(k) != rs % a_ ? 1 : 0) + (port_router(far_port(k)) != rd % a_ ? 1 : 0);
    };
    int best = 3, ties = 0;
    for (int q = 0; q < rounds_; ++q) {
      const int c = cost(q);
      if (c < best) {
        best = c;
        ties = 0;
      }
      if (c == best) ++ties;
    }
    int pick = static_cast<int>(ecmp_hash(src, dst) % static_cast<std::uint64_t>(ties));
    int chosen = o;
    for (int q = 0; q < rounds_; ++q) {
      if (cost(q) == best && pick-- == 0) {
        chosen = q * m_ + o;
        break;
      }
    }
    local(gs, rs % a_, port_router(chosen));
    out.push_back(global_[static_cast<std::size_t>(gs * a_ * h_ + chosen)]);
    local(gd, port_router(far_port(chosen)), rd % a_);
  }
  out.push_back(LinkId(ep_up_[static_cast<std::size_t>(dst)].value() + 1));
}

std::optional<SpecProblem> DragonflySpec::problem(const ScaleOutContext& ctx) const {
  if (auto p = ScaleOutSpec::problem(ctx)) return p;
  if (auto p = missing_bandwidth(p_.link_bandwidth, ctx, "link_bandwidth")) return p;
  const std::int64_t cap = std::int64_t{p_.routers} * p_.endpoints_per_router * p_.groups;
  if (ctx.endpoints > cap) {
    return SpecProblem{
        "groups", fmt::format("{} groups × {} routers × {} endpoints hold {}, but {}", p_.groups, p_.routers,
                              p_.endpoints_per_router, cap, endpoints_phrase(ctx))};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> DragonflySpec::make(const ScaleOutContext& ctx) const {
  const Bandwidth base = bandwidth_or_nic(p_.link_bandwidth, ctx);
  return std::make_unique<Dragonfly>(
      p_, ctx.endpoints,
      Dragonfly::Bandwidths{base, p_.local_bandwidth.value_or(base), p_.global_bandwidth.value_or(base)});
}

}  // namespace orrery::topo
