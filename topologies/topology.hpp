// A network topology: one directed graph of endpoints (accelerators, NICs,
// hosts, storage) and switches joined by links, built once and then immutable,
// plus a route(src, dst) query. Each topology is a file of its own that fills a
// `TopologyBuilder` and overrides `route` when it has a better rule than the
// generic shortest path.
#pragma once

// Boost.Graph's edge iterator trips GCC 12's -Wmaybe-uninitialized (a false
// positive inside boost/graph/detail); silence it for that header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#pragma GCC diagnostic pop

#include <memory>
#include <string>
#include <vector>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::topo {

enum class VertexKind : std::uint8_t { kEndpoint, kSwitch };

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
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeProps>;

class Topology {
 public:
  virtual ~Topology() = default;

  [[nodiscard]] virtual std::string_view kind() const = 0;
  // Appends the links from endpoint `src` to endpoint `dst` (empty when equal).
  virtual void route(int src, int dst, std::vector<LinkId>& out) const;

  [[nodiscard]] int endpoint_count() const { return static_cast<int>(endpoints_.size()); }
  [[nodiscard]] VertexId endpoint(int i) const { return endpoints_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] const std::vector<Vertex>& vertices() const { return vertices_; }
  [[nodiscard]] const std::vector<Link>& links() const { return links_; }
  [[nodiscard]] const Link& link(LinkId id) const { return links_[static_cast<std::size_t>(id.value())]; }
  [[nodiscard]] const Graph& graph() const { return graph_; }
  [[nodiscard]] std::string link_name(LinkId id) const;

 protected:
  VertexId add_vertex(VertexKind kind, std::string name);
  // Adds one link each way.
  void add_duplex(VertexId a, VertexId b, Bandwidth bw, Duration latency);
  LinkId add_link(VertexId src, VertexId dst, Bandwidth bw, Duration latency);
  // Call at the end of the constructor: builds the Boost graph and an index.
  void seal();
  // Shortest path by hop count (breadth-first search); the generic router.
  void bfs_route(VertexId src, VertexId dst, std::vector<LinkId>& out) const;

 private:
  std::vector<Vertex> vertices_;
  std::vector<VertexId> endpoints_;
  std::vector<Link> links_;
  Graph graph_;
};

// Builds the scale-out network for a given number of endpoints (one per node).
class ScaleOutSpec {
 public:
  virtual ~ScaleOutSpec() = default;
  [[nodiscard]] virtual std::unique_ptr<Topology> build(int endpoints) const = 0;
};

}  // namespace orrery::topo
