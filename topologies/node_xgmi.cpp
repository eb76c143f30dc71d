#include "topologies/node_xgmi.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <deque>
#include <set>

namespace orrery::topo {

std::vector<std::array<int, 3>> XgmiParams::mi250x_wiring(int devices) {
  std::vector<std::array<int, 3>> out;
  const int packages = devices / 2;
  for (int k = 0; k < packages; ++k) out.push_back({2 * k, 2 * k + 1, 4});
  for (int k = 0; k < packages; ++k) {
    for (int q = k + 1; q < packages; ++q) {
      out.push_back({2 * k, 2 * q, 1});
      out.push_back({2 * k + 1, 2 * q + 1, 1});
    }
  }
  return out;
}

XgmiParams XgmiParams::read(config::Reader& r) {
  XgmiParams p;
  p.devices = r.optional<int>("devices", 8, "GCDs per node");
  p.link_bandwidth = r.optional<Bandwidth>("link_bandwidth", parse_bandwidth("50 GB/s"),
                                           "per-direction bandwidth of one xGMI link");
  p.latency = r.optional<Duration>("latency", Duration::ns(0), "latency of an xGMI hop");
  const auto links = r.maybe<std::vector<std::vector<int>>>(
      "links",
      "the wiring as [gcd, gcd] or [gcd, gcd, links] entries; default: the MI250X-like wiring above");
  r.check(p.devices >= 1, "devices", fmt::format("must be at least 1, got {}", p.devices));
  r.check(p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(p.latency >= Duration{}, "latency", "must not be negative");
  if (!r.describing()) {
    if (links) {
      std::set<std::pair<int, int>> seen;
      for (std::size_t i = 0; i < links->size(); ++i) {
        const auto& l = (*links)[i];
        const std::string at = fmt::format("entry {} [{}]", i, fmt::join(l, ", "));
        r.check(l.size() == 2 || l.size() == 3, "links", at + ": expected [gcd, gcd] or [gcd, gcd, links]");
        r.check(l[0] >= 0 && l[1] >= 0 && l[0] < p.devices && l[1] < p.devices, "links",
                fmt::format("{}: GCDs are numbered 0 to {}", at, p.devices - 1));
        r.check(l[0] != l[1], "links", at + ": a GCD cannot link to itself");
        const int count = l.size() == 3 ? l[2] : 1;
        r.check(count >= 1, "links", at + ": the number of links must be at least 1");
        r.check(seen.insert(std::minmax(l[0], l[1])).second, "links", at + ": this pair is already wired");
        p.links.push_back({l[0], l[1], count});
      }
    } else {
      r.check(p.devices % 2 == 0, "devices",
              fmt::format(
                  "the default wiring puts two GCDs on each package, so needs an even count, got {}; or give "
                  "links:",
                  p.devices));
      p.links = mi250x_wiring(p.devices);
    }
  }
  p.nic = NicParams::read(r, p.devices);
  return p;
}

XgmiFabric::XgmiFabric(const XgmiParams& p) : NodeFabric(p.devices, p.nic.nics, false) {
  const int n = p.devices;
  std::vector<VertexId> dev;
  for (int d = 0; d < n; ++d) dev.push_back(add_vertex(VertexKind::kEndpoint, fmt::format("gcd{}", d)));
  attach_nics(p.nic, dev, Attach::kAnchor);
  // Adjacency over xGMI links only, in the order they are listed.
  std::vector<std::vector<std::pair<int, LinkId>>> adj(static_cast<std::size_t>(n));
  for (const auto& [a, b, count] : p.links) {
    const LinkId l = add_duplex(dev[static_cast<std::size_t>(a)], dev[static_cast<std::size_t>(b)],
                                Bandwidth::bytes_per_s(p.link_bandwidth.bytes_per_s() * count), p.latency);
    adj[static_cast<std::size_t>(a)].emplace_back(b, l);
    adj[static_cast<std::size_t>(b)].emplace_back(a, LinkId(l.value() + 1));
  }
  routes_.assign(static_cast<std::size_t>(n * n), {});
  for (int s = 0; s < n; ++s) {
    std::vector<LinkId> via(static_cast<std::size_t>(n));
    std::vector<int> prev(static_cast<std::size_t>(n), -1);
    prev[static_cast<std::size_t>(s)] = s;
    std::deque<int> queue{s};
    while (!queue.empty()) {
      const int v = queue.front();
      queue.pop_front();
      for (const auto& [w, l] : adj[static_cast<std::size_t>(v)]) {
        if (prev[static_cast<std::size_t>(w)] >= 0) continue;
        prev[static_cast<std::size_t>(w)] = v;
        via[static_cast<std::size_t>(w)] = l;
        queue.push_back(w);
      }
    }
    for (int t = 0; t < n; ++t) {
      if (t == s || prev[static_cast<std::size_t>(t)] < 0) continue;  // unreachable: seal() reports it
      auto& r = routes_[static_cast<std::size_t>(s * n + t)];
      for (int v = t; v != s; v = prev[static_cast<std::size_t>(v)])
        r.insert(r.begin(), via[static_cast<std::size_t>(v)]);
    }
  }
  finish();
}

void XgmiFabric::device_route(int src, int dst, std::vector<LinkId>& out) const {
  const auto& r = routes_[static_cast<std::size_t>(src * devices() + dst)];
  out.insert(out.end(), r.begin(), r.end());
}

int XgmiFabric::device_hops(int src, int dst) const {
  return static_cast<int>(routes_[static_cast<std::size_t>(src * devices() + dst)].size());
}

}  // namespace orrery::topo
