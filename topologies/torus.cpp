#include "topologies/torus.hpp"

#include <fmt/format.h>

namespace orrery::topo {

std::string times_joined(const std::vector<int>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " × " : "") + std::to_string(v[i]);
  return out;
}

TorusParams TorusParams::read(config::Reader& r) {
  TorusParams p;
  p.dims = r.required<std::vector<int>>("dims", "extent of each dimension, e.g. [8, 8, 8]");
  p.wraparound = r.optional<bool>("wraparound", true, "close every dimension into a ring (false: a mesh)");
  p.link_bandwidth = r.maybe<Bandwidth>(
      "link_bandwidth",
      "per-direction bandwidth of each link; in a cluster, defaults to the nodes' nic_bandwidth");
  p.link_latency = r.optional<Duration>("link_latency", Duration::ns(500), "per-hop latency");
  r.check(!p.dims.empty(), "dims", "needs at least one dimension");
  for (std::size_t d = 0; d < p.dims.size(); ++d) {
    r.check(p.dims[d] >= 2, "dims",
            fmt::format("every dimension must be >= 2, got dims[{}] = {}", d, p.dims[d]));
  }
  r.check(p.size() <= kMaxEndpoints, "dims",
          fmt::format("{} endpoints are more than the {} orrery builds", p.size(), kMaxEndpoints));
  r.check(!p.link_bandwidth || *p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(p.link_latency >= Duration{}, "link_latency", "must not be negative");
  return p;
}

std::int64_t TorusParams::size() const {
  std::int64_t n = 1;
  for (int d : dims) {
    n *= std::max(d, 1);
    if (n > (std::int64_t{1} << 40)) break;
  }
  return n;
}

Torus::Torus(const TorusParams& p, Bandwidth bw) : dims_(p.dims), wrap_(p.wraparound) {
  const int n = static_cast<int>(p.size());
  const int nd = static_cast<int>(dims_.size());
  int s = 1;
  for (int k : dims_) {
    stride_.push_back(s);
    s *= k;
  }
  for (int i = 0; i < n; ++i) add_vertex(VertexKind::kEndpoint, fmt::format("e{}", i));
  plus_.assign(static_cast<std::size_t>(n * nd), LinkId());
  minus_.assign(static_cast<std::size_t>(n * nd), LinkId());
  const auto at = [nd](int i, int d) { return static_cast<std::size_t>(i * nd + d); };
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < nd; ++d) {
      const int k = dims_[static_cast<std::size_t>(d)], st = stride_[static_cast<std::size_t>(d)];
      const int c = (i / st) % k;
      if (c + 1 < k) {
        const LinkId l = add_duplex(VertexId(i), VertexId(i + st), bw, p.link_latency);
        plus_[at(i, d)] = l;
        minus_[at(i + st, d)] = LinkId(l.value() + 1);
      } else if (wrap_ && k > 2) {
        const int first = i - (k - 1) * st;
        const LinkId l = add_duplex(VertexId(i), VertexId(first), bw, p.link_latency);
        plus_[at(i, d)] = l;
        minus_[at(first, d)] = LinkId(l.value() + 1);
      } else if (wrap_) {  // k == 2: the single link serves both ways round
        plus_[at(i, d)] = minus_[at(i, d)];
        minus_[at(i - st, d)] = plus_[at(i - st, d)];
      }
    }
  }
  seal();
}

std::optional<Grid> Torus::grid() const {
  Grid g;
  g.dims.assign(dims_.rbegin(), dims_.rend());
  g.order.resize(static_cast<std::size_t>(endpoint_count()));
  for (int i = 0; i < endpoint_count(); ++i) g.order[static_cast<std::size_t>(i)] = i;
  return g;
}

void Torus::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  const int nd = static_cast<int>(dims_.size());
  int v = src;
  for (int d = 0; d < nd; ++d) {
    const int k = dims_[static_cast<std::size_t>(d)], st = stride_[static_cast<std::size_t>(d)];
    const int from = (v / st) % k, to = (dst / st) % k;
    if (from == to) continue;
    const int forward = ((to - from) % k + k) % k;
    const bool up = wrap_ ? forward <= k - forward : to > from;
    const int hops = wrap_ ? (up ? forward : k - forward) : std::abs(to - from);
    for (int h = 0; h < hops; ++h) {
      const LinkId l = (up ? plus_ : minus_)[static_cast<std::size_t>(v * nd + d)];
      out.push_back(l);
      v = link(l).dst.value();
    }
  }
}

std::optional<SpecProblem> TorusSpec::problem(const ScaleOutContext& ctx) const {
  if (auto p = ScaleOutSpec::problem(ctx)) return p;
  if (auto p = missing_bandwidth(p_.link_bandwidth, ctx, "link_bandwidth")) return p;
  if (p_.size() != ctx.endpoints) {
    return SpecProblem{
        "dims", fmt::format("a {} of {} = {} endpoints does not fit: {}", p_.wraparound ? "torus" : "mesh",
                            times_joined(p_.dims), p_.size(), endpoints_phrase(ctx))};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> TorusSpec::make(const ScaleOutContext& ctx) const {
  return std::make_unique<Torus>(p_, bandwidth_or_nic(p_.link_bandwidth, ctx));
}

}  // namespace orrery::topo
