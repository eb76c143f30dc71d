// A network topology: one directed graph of endpoints (accelerators, NICs,
// hosts) and switches joined by links, built once in a constructor and then
// immutable, plus a route(src, dst) query. Each topology is a file of its own
// that adds its vertices and links, calls seal(), and overrides `route` with
// its own rule; the generic breadth-first shortest path stays available as
// the reference every routing rule is tested against.
#pragma once

// Boost.Graph's edge iterator trips GCC 12's -Wmaybe-uninitialized (a false
// positive inside boost/graph/detail); silence it for that header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#pragma GCC diagnostic pop

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::topo {

// kNic: a network interface inside a composed cluster (where a node fabric
// meets the scale-out network); neither a device nor a switch.
enum class VertexKind : std::uint8_t { kEndpoint, kSwitch, kNic };

struct Vertex {
  VertexKind kind = VertexKind::kEndpoint;
  std::string name;
};

struct Link {
  VertexId src;
  VertexId dst;
  Bandwidth bandwidth;
  Duration latency;
};

// The Boost.Graph view: vertex i is Vertex i; each edge carries its LinkId.
struct EdgeProps {
  LinkId link;
};
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeProps>;

// A direct network's endpoints as a grid (torus, HammingMesh): extents
// `dims` (row-major, the last coordinate fastest) and, for rank r of that
// order, its endpoint order[r]. Collectives over a whole cluster use it to
// lay their ranks out along the network's own dimensions.
struct Grid {
  std::vector<int> dims;
  std::vector<int> order;
};

class Topology {
 public:
  virtual ~Topology() = default;
  // The endpoints as a grid, for networks that have one.
  [[nodiscard]] virtual std::optional<Grid> grid() const { return std::nullopt; }

  [[nodiscard]] virtual std::string_view kind() const = 0;
  // Appends the links from endpoint `src` to endpoint `dst` (none when equal).
  // Throws ValueError when either is not an endpoint index.
  virtual void route(int src, int dst, std::vector<LinkId>& out) const;

  [[nodiscard]] int endpoint_count() const { return static_cast<int>(endpoints_.size()); }
  [[nodiscard]] VertexId endpoint(int i) const { return endpoints_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] const std::vector<Vertex>& vertices() const { return vertices_; }
  [[nodiscard]] const std::vector<Link>& links() const { return links_; }
  [[nodiscard]] const Link& link(LinkId id) const { return links_[static_cast<std::size_t>(id.value())]; }
  // The Boost graph, built at the first call (a composed cluster of 3,072
  // GPUs has 74 k links, and a run whose topologies all route by rule never
  // asks: building it was 3% of such a run's instructions). Thread-safe.
  [[nodiscard]] const Graph& graph() const {
    std::call_once(graph_built_, [this] { build_graph(); });
    return graph_;
  }
  [[nodiscard]] std::string link_name(LinkId id) const;

  // The generic router: a shortest path by hop count (breadth-first search,
  // the first-found link on ties). The reference for every routing rule.
  void bfs_route(VertexId src, VertexId dst, std::vector<LinkId>& out) const;
  // Hop distance from `src` to every vertex (-1 where unreachable).
  [[nodiscard]] std::vector<int> hop_distances(VertexId src) const;

 protected:
  VertexId add_vertex(VertexKind kind, std::string name);
  // Adds one link each way and returns the a -> b one; b -> a is the next id.
  LinkId add_duplex(VertexId a, VertexId b, Bandwidth bw, Duration latency);
  LinkId add_link(VertexId src, VertexId dst, Bandwidth bw, Duration latency);
  // Call at the end of the constructor: checks by breadth-first search that
  // every endpoint reaches, and is reached from, endpoint 0 (InfeasibleError
  // naming the first one that is cut off). The links are final from here.
  void seal();
  // Throws ValueError unless both are endpoint indices.
  void check_endpoints(int src, int dst) const;

 private:
  void check_connected() const;
  void build_graph() const;

  std::vector<Vertex> vertices_;
  std::vector<VertexId> endpoints_;
  std::vector<Link> links_;
  mutable Graph graph_;
  mutable std::once_flag graph_built_;
};

// The most endpoints a network (or devices a cluster) may have: beyond about
// a million the graph alone outgrows a workstation's memory.
constexpr int kMaxEndpoints = 1 << 20;

// What a scale-out network is built for: how many endpoints it joins, and, in
// a cluster, the nodes' NIC bandwidth, which its link_bandwidth defaults to.
struct ScaleOutContext {
  int endpoints = 0;
  std::optional<Bandwidth> nic_bandwidth;
  std::string origin;  // where the endpoint count comes from, for messages ("16 nodes × 8 NICs")
};

// Why a spec cannot be built in a context: the key at fault and what is wrong.
struct SpecProblem {
  std::string key;
  std::string message;
};

// Builds the scale-out network for a number of endpoints (NICs, or devices
// that are their own NIC). Checks that depend on the endpoint count live in
// problem(), so that the scenario reader can report them at the right key.
class ScaleOutSpec {
 public:
  virtual ~ScaleOutSpec() = default;
  [[nodiscard]] virtual std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const;
  // The endpoint count the spec fixes by itself (a file's), if any.
  [[nodiscard]] virtual std::optional<int> fixed_endpoints() const { return std::nullopt; }
  // Throws ValueError ("key: message") when problem() finds one.
  [[nodiscard]] std::unique_ptr<Topology> build(const ScaleOutContext& ctx) const;
  [[nodiscard]] std::unique_ptr<Topology> build(int endpoints) const {
    return build(ScaleOutContext{endpoints, {}, {}});
  }

 protected:
  [[nodiscard]] virtual std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const = 0;
};

// "the network must join N endpoints (ORIGIN)", for size messages.
[[nodiscard]] std::string endpoints_phrase(const ScaleOutContext& ctx);
// A link bandwidth that defaults to the NIC bandwidth inside a cluster.
[[nodiscard]] std::optional<SpecProblem> missing_bandwidth(const std::optional<Bandwidth>& given,
                                                           const ScaleOutContext& ctx, const char* key);
[[nodiscard]] Bandwidth bandwidth_or_nic(const std::optional<Bandwidth>& given, const ScaleOutContext& ctx);

}  // namespace orrery::topo
