#include "topologies/graphml_network.hpp"

#include <fmt/format.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/graphml.hpp>
#pragma GCC diagnostic pop
#include <boost/make_shared.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <charconv>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_map>

#include "sim/core/suggest.hpp"
#include "sim/core/text_file.hpp"
#include "topologies/graphml_layout.hpp"
#include "topologies/graphml_routes.hpp"

namespace orrery::topo {

namespace {

struct BoostVertex {
  std::string kind, name;
};
struct BoostEdge {
  std::string bandwidth, latency;
};

// A dynamic property map that stores whatever type the file declared
// (Boost converts by attr.type before it stores) as text, into a string the
// callback picks: we parse the values ourselves, with units and positions.
template <class Key>
class TextSink final : public boost::dynamic_property_map {
 public:
  explicit TextSink(std::function<std::string&(const Key&)> slot) : slot_(std::move(slot)) {}
  boost::any get(const boost::any& key) override { return slot_(boost::any_cast<Key>(key)); }
  std::string get_string(const boost::any& key) override { return slot_(boost::any_cast<Key>(key)); }
  void put(const boost::any& key, const boost::any& value) override {
    slot_(boost::any_cast<Key>(key)) = text_of(value);
  }
  [[nodiscard]] const std::type_info& key() const override { return typeid(Key); }
  [[nodiscard]] const std::type_info& value() const override { return typeid(std::string); }

 private:
  static std::string text_of(const boost::any& v) {
    if (const auto* s = boost::any_cast<std::string>(&v)) return *s;
    if (const auto* b = boost::any_cast<bool>(&v)) return *b ? "true" : "false";
    if (const auto* i = boost::any_cast<int>(&v)) return std::to_string(*i);
    if (const auto* l = boost::any_cast<long>(&v)) return std::to_string(*l);
    if (const auto* f = boost::any_cast<float>(&v)) return fmt::format("{}", *f);
    if (const auto* d = boost::any_cast<double>(&v)) return fmt::format("{}", *d);
    return {};
  }
  std::function<std::string&(const Key&)> slot_;
};

struct BoostValues {
  std::vector<BoostVertex> vertices;  // document order
  std::vector<BoostEdge> edges;       // document order
};

// Boost.Graph's read_graphml into an adjacency list of the file's
// direction; the values come back in document order.
template <class Direction>
BoostValues read_with_boost(const XmlDocument& doc, const GraphmlLayout& layout) {
  using G = boost::adjacency_list<boost::vecS, boost::vecS, Direction, BoostVertex, BoostEdge>;
  using V = typename boost::graph_traits<G>::vertex_descriptor;
  using E = typename boost::graph_traits<G>::edge_descriptor;
  G g;
  boost::dynamic_properties dp(boost::ignore_other_properties);
  dp.insert("kind", boost::make_shared<TextSink<V>>([&g](const V& v) -> std::string& { return g[v].kind; }));
  dp.insert("name", boost::make_shared<TextSink<V>>([&g](const V& v) -> std::string& { return g[v].name; }));
  dp.insert("bandwidth", boost::make_shared<TextSink<E>>([&g](const E& e) -> std::string& { return g[e].bandwidth; }));
  dp.insert("latency", boost::make_shared<TextSink<E>>([&g](const E& e) -> std::string& { return g[e].latency; }));
  std::istringstream in(doc.text());
  try {
    boost::read_graphml(in, g, dp, 0);
  } catch (const boost::property_tree::xml_parser_error& e) {
    throw ConfigError(SourceLocation{doc.file(), static_cast<int>(e.line()), 1}, doc.key_path(),
                      fmt::format("Boost's GraphML reader: {}", e.message()));
  } catch (const std::exception& e) {
    throw ConfigError(SourceLocation{doc.file(), 0, 0}, doc.key_path(), fmt::format("Boost's GraphML reader: {}", e.what()));
  }
  if (boost::num_vertices(g) != layout.nodes.size() || boost::num_edges(g) != layout.edges.size()) {
    throw ConfigError(SourceLocation{doc.file(), 0, 0}, doc.key_path(),
                      fmt::format("Boost's GraphML reader found {} nodes and {} edges where the file lists {} and {}",
                                  boost::num_vertices(g), boost::num_edges(g), layout.nodes.size(),
                                  layout.edges.size()));
  }
  BoostValues out;
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v) out.vertices.push_back(g[v]);
  if constexpr (std::is_same_v<Direction, boost::undirectedS>) {
    for (auto [e, end] = boost::edges(g); e != end; ++e) out.edges.push_back(g[*e]);  // insertion order
  } else {
    // A directed adjacency list lists edges by source; the k-th edge of the
    // file from node s is the k-th out-edge of s.
    std::vector<std::size_t> seen(layout.nodes.size(), 0);
    for (const GraphmlItem& item : layout.edges) {
      const auto s = static_cast<std::size_t>(item.source);
      auto it = boost::out_edges(s, g).first;
      std::advance(it, static_cast<std::ptrdiff_t>(seen[s]++));
      out.edges.push_back(g[*it]);
    }
  }
  return out;
}

class Assembler {
 public:
  Assembler(const XmlDocument& doc, const GraphmlLayout& layout, const BoostValues& values, GraphmlNetwork& net)
      : doc_(doc), layout_(layout), values_(values), net_(net) {}

  void run() {
    vertices();
    links();
    connected();
  }
  [[nodiscard]] const std::unordered_map<std::string, int>& names() const { return names_; }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& message) const { throw doc_.error(at, message); }
  [[nodiscard]] const std::string& name(int v) const { return net_.vertices[static_cast<std::size_t>(v)].name; }

  void vertices() {
    static const std::vector<std::string> kKinds{"endpoint", "device", "switch", "nic"};
    for (std::size_t i = 0; i < layout_.nodes.size(); ++i) {
      const GraphmlItem& n = layout_.nodes[i];
      const BoostVertex& v = values_.vertices[i];
      const std::size_t at = layout_.where(n, "kind", "node");
      if (v.kind.empty()) {
        fail(at, fmt::format("node '{}' has no kind (a <data> for the key with attr.name=\"kind\": {})", n.id,
                             join(kKinds)));
      }
      VertexKind kind = VertexKind::kEndpoint;
      if (v.kind == "switch") {
        kind = VertexKind::kSwitch;
      } else if (v.kind == "nic") {
        kind = VertexKind::kNic;
      } else if (v.kind != "endpoint" && v.kind != "device") {
        std::string msg = fmt::format("node '{}': unknown kind '{}'", n.id, v.kind);
        if (auto near = nearest(v.kind, kKinds)) msg += fmt::format("; did you mean '{}'?", *near);
        fail(at, msg + "; valid: " + join(kKinds));
      }
      std::string shown = v.name.empty() ? n.id : v.name;
      if (const auto [it, fresh] = names_.emplace(shown, static_cast<int>(i)); !fresh) {
        fail(layout_.where(n, "name", "node"),
             fmt::format("two vertices are named '{}' (nodes '{}' and '{}'); names must differ", shown,
                         layout_.nodes[static_cast<std::size_t>(it->second)].id, n.id));
      }
      net_.vertices.push_back(Vertex{kind, std::move(shown)});
    }
  }

  [[nodiscard]] std::string edge_name(const GraphmlItem& e) const {
    return fmt::format("edge {} {} {}", name(e.source), net_.directed ? "->" : "--", name(e.target));
  }

  // "400 Gb/s", or a bare number of bytes per second.
  Bandwidth bandwidth(const GraphmlItem& e, const std::string& text) const {
    const std::size_t at = layout_.where(e, "bandwidth", "edge");
    if (text.empty()) {
      fail(at, fmt::format("{} has no bandwidth (a <data> for the key with attr.name=\"bandwidth\", e.g. 400 Gb/s)",
                           edge_name(e)));
    }
    double bytes_per_s = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes_per_s);
    try {
      if (ec != std::errc() || ptr != text.data() + text.size()) bytes_per_s = parse_bandwidth(text).bytes_per_s();
    } catch (const ValueError& err) {
      fail(at, fmt::format("{}: bandwidth: {}", edge_name(e), err.what()));
    }
    if (!(bytes_per_s > 0) || !std::isfinite(bytes_per_s)) {
      fail(at, fmt::format("{}: bandwidth must be positive, got '{}'", edge_name(e), text));
    }
    return Bandwidth::bytes_per_s(bytes_per_s);
  }

  Duration latency(const GraphmlItem& e, const std::string& text) const {
    const std::size_t at = layout_.where(e, "latency", "edge");
    if (text.empty()) {
      fail(at, fmt::format("{} has no latency (a <data> for the key with attr.name=\"latency\", e.g. 500 ns)",
                           edge_name(e)));
    }
    Duration d;
    try {
      d = parse_duration(text);
    } catch (const ValueError& err) {
      fail(at, fmt::format("{}: latency: {}", edge_name(e), err.what()));
    }
    if (d < Duration{}) fail(at, fmt::format("{}: latency must not be negative, got '{}'", edge_name(e), text));
    return d;
  }

  void links() {
    for (std::size_t j = 0; j < layout_.edges.size(); ++j) {
      const GraphmlItem& e = layout_.edges[j];
      const Bandwidth bw = bandwidth(e, values_.edges[j].bandwidth);
      const Duration lat = latency(e, values_.edges[j].latency);
      const VertexId a(e.source), b(e.target);
      net_.links.push_back(Link{a, b, bw, lat});
      if (!net_.directed) net_.links.push_back(Link{b, a, bw, lat});
    }
  }

  // Every endpoint reaches, and is reached from, the first (as Topology::seal
  // checks, but located at the endpoint cut off).
  void connected() const {
    std::vector<int> endpoints;
    for (std::size_t v = 0; v < net_.vertices.size(); ++v)
      if (net_.vertices[v].kind == VertexKind::kEndpoint) endpoints.push_back(static_cast<int>(v));
    if (endpoints.empty()) {
      fail(layout_.graph_offset, "the graph has no endpoint: give the vertices it joins kind 'endpoint' (or 'device')");
    }
    if (endpoints.size() > static_cast<std::size_t>(kMaxEndpoints)) {
      fail(layout_.graph_offset,
           fmt::format("{} endpoints are more than the {} orrery builds", endpoints.size(), kMaxEndpoints));
    }
    const std::size_t n = net_.vertices.size();
    std::vector<std::vector<int>> fwd(n), back(n);
    for (const Link& l : net_.links) {
      fwd[static_cast<std::size_t>(l.src.value())].push_back(l.dst.value());
      back[static_cast<std::size_t>(l.dst.value())].push_back(l.src.value());
    }
    const auto reach = [&](const std::vector<std::vector<int>>& adj) {
      std::vector<bool> seen(n, false);
      std::deque<int> queue{endpoints.front()};
      seen[static_cast<std::size_t>(endpoints.front())] = true;
      while (!queue.empty()) {
        const auto v = static_cast<std::size_t>(queue.front());
        queue.pop_front();
        for (int w : adj[v]) {
          if (seen[static_cast<std::size_t>(w)]) continue;
          seen[static_cast<std::size_t>(w)] = true;
          queue.push_back(w);
        }
      }
      return seen;
    };
    const auto from0 = reach(fwd);
    const auto to0 = reach(back);
    for (int v : endpoints) {
      const auto i = static_cast<std::size_t>(v);
      if (from0[i] && to0[i]) continue;
      fail(layout_.nodes[i].offset,
           fmt::format("endpoint '{}' is disconnected: it {} endpoint '{}'", name(v),
                       from0[i] ? "cannot reach" : "cannot be reached from", name(endpoints.front())));
    }
  }

  const XmlDocument& doc_;
  const GraphmlLayout& layout_;
  const BoostValues& values_;
  GraphmlNetwork& net_;
  std::unordered_map<std::string, int> names_;
};

}  // namespace

int GraphmlNetwork::endpoint_count() const {
  int n = 0;
  for (const Vertex& v : vertices) n += v.kind == VertexKind::kEndpoint ? 1 : 0;
  return n;
}

std::shared_ptr<const GraphmlNetwork> parse_graphml_network(std::string text, const std::string& file,
                                                            const std::string& key_path) {
  const XmlDocument doc = XmlDocument::scan(std::move(text), file, key_path);
  const GraphmlLayout layout = lay_out_graphml(doc);
  const BoostValues values = layout.directed ? read_with_boost<boost::directedS>(doc, layout)
                                             : read_with_boost<boost::undirectedS>(doc, layout);
  auto net = std::make_shared<GraphmlNetwork>();
  net->file = file;
  net->directed = layout.directed;
  Assembler assemble(doc, layout, values, *net);
  assemble.run();
  if (layout.routes != nullptr) read_given_routes(doc, *layout.routes, assemble.names(), *net);
  return net;
}

std::shared_ptr<const GraphmlNetwork> read_graphml_network(const std::string& path, const std::string& key_path) {
  return parse_graphml_network(read_text_file(path, "GraphML file", kMaxGraphmlBytes), path, key_path);
}

}  // namespace orrery::topo
