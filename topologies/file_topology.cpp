#include "topologies/file_topology.hpp"

#include <fmt/format.h>

#include <deque>

#include "topologies/ecmp.hpp"

namespace orrery::topo {

namespace {
// Distance entries kept before the cache starts afresh (128 MiB of int32).
constexpr std::size_t kMaxCachedDistances = std::size_t{1} << 25;
}  // namespace

FileParams FileParams::read(config::Reader& r) {
  FileParams p;
  p.path = r.required<std::string>(
      "path",
      "the GraphML file, relative to the scenario: nodes with a `kind` (endpoint or device, switch, nic), edges with "
      "`bandwidth` and `latency`, optional `routes` (docs/ARCHITECTURE.md, \"The file topology\")");
  if (!r.describing()) {
    try {
      p.network = read_graphml_network(r.beside_file(p.path), r.key_path("path"));
    } catch (const ValueError& e) {
      r.fail("path", e.what());
    }
  }
  const std::vector<std::string> valid{"shortest", "given"};
  const bool given = p.network && p.network->has_routes();
  const std::string routing =
      r.choice("routing", valid, given ? "given" : "shortest",
               "`shortest`: shortest paths by hops, equal-cost next hops picked by ECMP's hash; `given`: the file's "
               "routes (the default when the file has them)");
  p.routing = routing == "given" ? FileRouting::kGiven : FileRouting::kShortest;
  r.check(!p.network || given || p.routing != FileRouting::kGiven, "routing",
          fmt::format("routing: given, but '{}' has no `routes` attribute on its graph", p.path));
  return p;
}

FileTopology::FileTopology(std::shared_ptr<const GraphmlNetwork> network, FileRouting routing)
    : network_(std::move(network)), routing_(routing) {
  for (const Vertex& v : network_->vertices) add_vertex(v.kind, v.name);
  for (const Link& l : network_->links) add_link(l.src, l.dst, l.bandwidth, l.latency);
  into_.resize(network_->vertices.size());
  for (std::size_t l = 0; l < network_->links.size(); ++l)
    into_[static_cast<std::size_t>(network_->links[l].dst.value())].push_back(static_cast<std::int32_t>(l));
  distances_.resize(static_cast<std::size_t>(network_->endpoint_count()));
  seal();
}

void FileTopology::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  if (src == dst) return;
  if (routing_ == FileRouting::kGiven) {
    const auto n = static_cast<std::size_t>(endpoint_count());
    const std::size_t pair = static_cast<std::size_t>(src) * n + static_cast<std::size_t>(dst);
    const auto& first = network_->route_first;
    out.insert(out.end(), network_->route_links.begin() + first[pair], network_->route_links.begin() + first[pair + 1]);
    return;
  }
  shortest_route(src, dst, out);
}

const std::vector<std::int32_t>& FileTopology::distances_to(int dst) const {
  auto& dist = distances_[static_cast<std::size_t>(dst)];
  if (!dist.empty()) return dist;
  const std::size_t n = vertices().size();
  if (cached_ + n > kMaxCachedDistances) {
    for (auto& d : distances_) std::vector<std::int32_t>().swap(d);
    cached_ = 0;
  }
  dist.assign(n, -1);
  cached_ += n;
  const auto target = static_cast<std::size_t>(endpoint(dst).value());
  std::deque<std::size_t> queue{target};
  dist[target] = 0;
  while (!queue.empty()) {
    const std::size_t v = queue.front();
    queue.pop_front();
    for (std::int32_t l : into_[v]) {
      const auto u = static_cast<std::size_t>(links()[static_cast<std::size_t>(l)].src.value());
      if (dist[u] >= 0) continue;
      dist[u] = dist[v] + 1;
      queue.push_back(u);
    }
  }
  return dist;
}

void FileTopology::shortest_route(int src, int dst, std::vector<LinkId>& out) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::vector<std::int32_t>& dist = distances_to(dst);
  std::uint64_t h = ecmp_hash(src, dst);
  const auto target = static_cast<std::size_t>(endpoint(dst).value());
  std::vector<LinkId> next;
  for (auto v = static_cast<std::size_t>(endpoint(src).value()); v != target;) {
    next.clear();
    for (auto [e, end] = boost::out_edges(v, graph()); e != end; ++e) {
      if (dist[boost::target(*e, graph())] == dist[v] - 1) next.push_back(graph()[*e].link);
    }
    // seal() checked that every endpoint reaches every other, so a vertex on
    // the way always has a next hop.
    const std::uint64_t k = next.size();
    const LinkId l = next[static_cast<std::size_t>(h % k)];
    h /= k;
    out.push_back(l);
    v = static_cast<std::size_t>(link(l).dst.value());
  }
}

std::optional<SpecProblem> FileSpec::problem(const ScaleOutContext& ctx) const {
  if (auto p = ScaleOutSpec::problem(ctx)) return p;
  const int n = p_.network->endpoint_count();
  if (n != ctx.endpoints) {
    return SpecProblem{"path", fmt::format("'{}' has {} endpoint{}, but {}", p_.path, n, n == 1 ? "" : "s",
                                           endpoints_phrase(ctx))};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> FileSpec::make(const ScaleOutContext&) const {
  return std::make_unique<FileTopology>(p_.network, p_.routing);
}

}  // namespace orrery::topo
