#include "topologies/fat_tree.hpp"

#include <fmt/format.h>

#include <cmath>

#include "topologies/ecmp.hpp"
#include "topologies/ratio.hpp"

namespace orrery::topo {

FatTreeParams FatTreeParams::read(config::Reader& r) {
  FatTreeParams p;
  p.levels = r.required<int>("levels", "switch tiers: 2 (leaf-spine) or 3 (leaf-aggregation-core)");
  p.radix = r.required<int>("radix", "ports per switch (even, 4 to 4096)");
  p.link_bandwidth = r.maybe<Bandwidth>(
      "link_bandwidth",
      "per-direction bandwidth of every link; in a cluster, defaults to the nodes' nic_bandwidth");
  p.link_latency =
      r.optional<Duration>("link_latency", Duration::ns(500), "latency of each link (cable and hop)");
  const auto over =
      r.optional<config::OneOrList<Ratio>>("oversubscription", {{Ratio{1}}},
                                           "down:up ports of a tier, >= 1 (1 non-blocking, 2 halves the "
                                           "bisection); one value for the leaves, or a "
                                           "list, leaves first, one per tier below the top");
  r.check(p.levels == 2 || p.levels == 3, "levels", fmt::format("must be 2 or 3, got {}", p.levels));
  r.check(p.radix >= 4 && p.radix % 2 == 0 && p.radix <= 4096, "radix",
          fmt::format("must be even, at least 4 and at most 4096, got {}", p.radix));
  r.check(!p.link_bandwidth || *p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(p.link_latency >= Duration{}, "link_latency", "must not be negative");
  if (r.describing()) return p;
  const auto tiers = static_cast<std::size_t>(p.levels - 1);
  r.check(over.values.size() == 1 || over.values.size() == tiers, "oversubscription",
          fmt::format("gives {} ratios for {} tiers below the top; give one (the leaves) or {}",
                      over.values.size(), tiers, tiers));
  p.oversubscription.assign(tiers, 1.0);
  for (std::size_t t = 0; t < over.values.size(); ++t) {
    const double o = over.values[t].value;
    r.check(o >= 1, "oversubscription",
            fmt::format("must be at least 1 (1 = non-blocking, 2 = 2:1 tapered), got {}", o));
    p.oversubscription[t] = o;
    const int up = p.up_ports(static_cast<int>(t));
    r.check(
        up >= 1 && up < p.radix, "oversubscription",
        fmt::format("{}:1 leaves no {} port on a switch of radix {}", o, up < 1 ? "up" : "down", p.radix));
  }
  return p;
}

int FatTreeParams::up_ports(int tier) const {
  return static_cast<int>(std::lround(radix / (1.0 + oversubscription[static_cast<std::size_t>(tier)])));
}

std::int64_t FatTreeParams::capacity() const {
  const std::int64_t d1 = radix - up_ports(0);
  if (levels == 2) return radix * d1;
  return radix * (radix - up_ports(1)) * d1;
}

FatTree::FatTree(const FatTreeParams& p, int endpoints, Bandwidth bw) : levels_(p.levels) {
  u1_ = p.up_ports(0);
  d1_ = p.radix - u1_;
  u2_ = levels_ == 3 ? p.up_ports(1) : 0;
  d2_ = levels_ == 3 ? p.radix - u2_ : 0;
  const Duration lat = p.link_latency;
  leaves_ = (endpoints + d1_ - 1) / d1_;
  pods_ = levels_ == 3 ? (leaves_ + d2_ - 1) / d2_ : 1;

  for (int e = 0; e < endpoints; ++e) add_vertex(VertexKind::kEndpoint, fmt::format("e{}", e));
  const VertexId first_leaf(static_cast<std::int32_t>(vertices().size()));
  for (int l = 0; l < leaves_; ++l) add_vertex(VertexKind::kSwitch, fmt::format("leaf{}", l));
  ep_up_.reserve(static_cast<std::size_t>(endpoints));
  for (int e = 0; e < endpoints; ++e)
    ep_up_.push_back(add_duplex(VertexId(e), VertexId(first_leaf.value() + e / d1_), bw, lat));
  if (leaves_ == 1) {
    seal();
    return;
  }
  // Second tier: u1 spines (2 levels), or u1 aggregation switches per pod.
  const VertexId first_mid(static_cast<std::int32_t>(vertices().size()));
  for (int q = 0; q < pods_; ++q) {
    for (int a = 0; a < u1_; ++a) {
      add_vertex(VertexKind::kSwitch,
                 levels_ == 2 ? fmt::format("spine{}", a) : fmt::format("agg{}.{}", q, a));
    }
  }
  leaf_up_.reserve(static_cast<std::size_t>(leaves_ * u1_));
  for (int l = 0; l < leaves_; ++l) {
    const int pod = levels_ == 3 ? l / d2_ : 0;
    for (int a = 0; a < u1_; ++a) {
      leaf_up_.push_back(
          add_duplex(VertexId(first_leaf.value() + l), VertexId(first_mid.value() + pod * u1_ + a), bw, lat));
    }
  }
  if (levels_ == 3 && pods_ > 1) {
    const VertexId first_core(static_cast<std::int32_t>(vertices().size()));
    for (int a = 0; a < u1_; ++a) {
      for (int c = 0; c < u2_; ++c) add_vertex(VertexKind::kSwitch, fmt::format("core{}.{}", a, c));
    }
    agg_up_.reserve(static_cast<std::size_t>(pods_ * u1_ * u2_));
    for (int q = 0; q < pods_; ++q) {
      for (int a = 0; a < u1_; ++a) {
        for (int c = 0; c < u2_; ++c) {
          agg_up_.push_back(add_duplex(VertexId(first_mid.value() + q * u1_ + a),
                                       VertexId(first_core.value() + a * u2_ + c), bw, lat));
        }
      }
    }
  }
  seal();
}

void FatTree::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  if (src == dst) return;
  const auto down = [](LinkId up) { return LinkId(up.value() + 1); };
  const int ls = src / d1_, ld = dst / d1_;
  out.push_back(ep_up_[static_cast<std::size_t>(src)]);
  if (ls != ld) {
    const std::uint64_t h = ecmp_hash(src, dst);
    const int a = static_cast<int>(h % static_cast<std::uint64_t>(u1_));
    out.push_back(leaf_up_[static_cast<std::size_t>(ls * u1_ + a)]);
    const int ps = levels_ == 3 ? ls / d2_ : 0, pd = levels_ == 3 ? ld / d2_ : 0;
    if (ps != pd) {
      const int c = static_cast<int>((h / static_cast<std::uint64_t>(u1_)) % static_cast<std::uint64_t>(u2_));
      out.push_back(agg_up_[static_cast<std::size_t>((ps * u1_ + a) * u2_ + c)]);
      out.push_back(down(agg_up_[static_cast<std::size_t>((pd * u1_ + a) * u2_ + c)]));
    }
    out.push_back(down(leaf_up_[static_cast<std::size_t>(ld * u1_ + a)]));
  }
  out.push_back(down(ep_up_[static_cast<std::size_t>(dst)]));
}

std::optional<SpecProblem> FatTreeSpec::problem(const ScaleOutContext& ctx) const {
  if (auto p = ScaleOutSpec::problem(ctx)) return p;
  if (auto p = missing_bandwidth(p_.link_bandwidth, ctx, "link_bandwidth")) return p;
  const std::int64_t cap = p_.capacity();
  if (ctx.endpoints > cap) {
    const int d1 = p_.radix - p_.up_ports(0);
    const std::string how = p_.levels == 2 ? fmt::format("{} leaves × {} endpoints", p_.radix, d1)
                                           : fmt::format("{} pods × {} leaves × {} endpoints", p_.radix,
                                                         p_.radix - p_.up_ports(1), d1);
    return SpecProblem{"radix",
                       fmt::format("a {}-level fat tree of radix {} joins at most {} endpoints ({}), but {}; "
                                   "raise the radix{}",
                                   p_.levels, p_.radix, cap, how, endpoints_phrase(ctx),
                                   p_.levels == 2 ? " or use levels: 3" : "")};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> FatTreeSpec::make(const ScaleOutContext& ctx) const {
  return std::make_unique<FatTree>(p_, ctx.endpoints, bandwidth_or_nic(p_.link_bandwidth, ctx));
}

}  // namespace orrery::topo
