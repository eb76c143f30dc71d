#include "topologies/graphml_layout.hpp"

#include <fmt/format.h>
#include <boost/lexical_cast.hpp>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "sim/core/suggest.hpp"

namespace orrery::topo {

namespace {

// The value as Boost's reader sees it: property_tree trims it and collapses
// runs of whitespace.
std::string boost_normalized(const std::string& s) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.push_back(c);
  }
  return out;
}

// The offset of the first character of an element's value that is not
// whitespace (the element itself when it holds nothing).
std::size_t data_value_offset(const XmlElement& e) {
  for (std::size_t i = 0; i < e.text.size(); ++i) {
    const char c = e.text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return e.text_offset(i);
  }
  return e.offset;
}

// Whether Boost's lexical_cast to the key's type accepts the value (the
// reader throws a parse_error without a position otherwise).
bool boost_converts(const std::string& type, const std::string& value) {
  try {
    if (type == "boolean") (void)boost::lexical_cast<bool>(value);
    if (type == "int") (void)boost::lexical_cast<int>(value);
    if (type == "long") (void)boost::lexical_cast<long>(value);
    if (type == "float") (void)boost::lexical_cast<float>(value);
    if (type == "double") (void)boost::lexical_cast<double>(value);
  } catch (const boost::bad_lexical_cast&) {
    return false;
  }
  return true;
}

class LayoutReader {
 public:
  explicit LayoutReader(const XmlDocument& doc) : doc_(doc) {}

  GraphmlLayout run() {
    const XmlElement& root = doc_.root();
    if (root.name != "graphml") {
      fail(root.offset, fmt::format("the root element is <{}>; a GraphML file's is <graphml>", root.name));
    }
    const XmlElement* graph = nullptr;
    for (int c : root.children) {
      const XmlElement& e = element(c);
      if (e.name == "key") key(e);
      if (e.name != "graph") continue;
      if (graph != nullptr) fail(e.offset, "a second <graph>: orrery reads one graph per file");
      graph = &e;
    }
    if (graph == nullptr) fail(root.offset, "<graphml> holds no <graph>");
    read_graph(*graph);
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& message) const { throw doc_.error(at, message); }
  [[nodiscard]] const XmlElement& element(int i) const { return doc_.elements()[static_cast<std::size_t>(i)]; }
  const XmlAttribute& required(const XmlElement& e, const char* name) const {
    const XmlAttribute* a = e.attribute(name);
    if (a == nullptr) fail(e.offset, fmt::format("<{}> has no '{}' attribute", e.name, name));
    return *a;
  }

  void key(const XmlElement& e) {
    static constexpr std::array kDomains{"graph", "node", "edge", "hyperedge", "port", "endpoint", "all", "graphml"};
    static constexpr std::array kTypes{"boolean", "int", "long", "float", "double", "string"};
    GraphmlKey k;
    k.id = required(e, "id").value;
    const XmlAttribute& domain = required(e, "for");
    k.domain = domain.value;
    if (std::find(kDomains.begin(), kDomains.end(), k.domain) == kDomains.end()) {
      fail(domain.value_offset, fmt::format("key '{}': for=\"{}\" is not a GraphML domain (node, edge, graph, all)",
                                            k.id, k.domain));
    }
    if (const XmlAttribute* n = e.attribute("attr.name")) k.name = n->value;
    const XmlAttribute* type = e.attribute("attr.type");
    if (type == nullptr) {
      fail(e.offset, fmt::format("key '{}' has no attr.type (Boost's reader needs one of {})", k.id,
                                 join(std::vector<std::string>(kTypes.begin(), kTypes.end()))));
    }
    k.type = type->value;
    if (std::find(kTypes.begin(), kTypes.end(), k.type) == kTypes.end()) {
      fail(type->value_offset, fmt::format("key '{}': unknown attr.type '{}'; valid: {}", k.id, k.type,
                                           join(std::vector<std::string>(kTypes.begin(), kTypes.end()))));
    }
    for (const GraphmlKey& other : out_.keys) {
      if (other.id == k.id) fail(e.offset, fmt::format("key id '{}' declared twice", k.id));
      const bool overlap = other.domain == k.domain || other.domain == "all" || k.domain == "all";
      if (!k.name.empty() && other.name == k.name && overlap) {
        fail(e.offset, fmt::format("attr.name '{}' declared twice for the same elements (keys '{}' and '{}')", k.name,
                                   other.id, k.id));
      }
    }
    for (int c : e.children) {
      const XmlElement& d = element(c);
      if (d.name != "default") continue;
      k.default_value = boost_normalized(d.text);
      k.default_offset = data_value_offset(d);
      if (!boost_converts(k.type, *k.default_value)) {
        fail(k.default_offset, fmt::format("key '{}': default '{}' is not a {}", k.id, *k.default_value, k.type));
      }
    }
    key_index_[k.id] = out_.keys.size();
    out_.keys.push_back(std::move(k));
  }

  void read_graph(const XmlElement& g) {
    out_.graph_offset = g.offset;
    const XmlAttribute& dir = required(g, "edgedefault");
    if (dir.value != "directed" && dir.value != "undirected") {
      fail(dir.value_offset, fmt::format("edgedefault must be \"directed\" or \"undirected\", not \"{}\"", dir.value));
    }
    out_.directed = dir.value == "directed";
    for (int c : g.children) {
      const XmlElement& e = element(c);
      if (e.name == "node") node(e);
      if (e.name == "hyperedge") fail(e.offset, "hyperedges are not supported: give each link as an <edge>");
      if (e.name == "data") graph_data(e);
    }
    // Edges after every node: Boost reads the nodes first, and an edge may
    // name a node declared after it.
    for (int c : g.children) {
      const XmlElement& e = element(c);
      if (e.name == "edge") edge(e);
    }
  }

  // The key a <data> names, checked against the element it is on.
  const GraphmlKey& data_key(const XmlElement& d, const std::string& domain) const {
    const XmlAttribute& k = required(d, "key");
    const auto it = key_index_.find(k.value);
    if (it == key_index_.end()) {
      fail(k.value_offset, fmt::format("<data key=\"{}\">: no <key> with id '{}' is declared", k.value, k.value));
    }
    const GraphmlKey& key = out_.keys[it->second];
    if (key.domain != domain && key.domain != "all") {
      fail(k.value_offset, fmt::format("key '{}' is declared for=\"{}\", but this <data> is on a {}", key.id,
                                       key.domain, domain));
    }
    const std::string value = boost_normalized(d.text);
    if (!boost_converts(key.type, value)) {
      fail(data_value_offset(d), fmt::format("'{}' is not a {} (key '{}' has attr.type=\"{}\")", value, key.type, key.id,
                                        key.type));
    }
    return key;
  }

  void item_data(const XmlElement& e, GraphmlItem& item, const std::string& domain) {
    for (int c : e.children) {
      const XmlElement& d = element(c);
      if (d.name == "graph") fail(d.offset, "nested graphs are not supported");
      if (d.name == "port") fail(d.offset, "ports are not supported: join vertices with edges");
      if (d.name != "data") continue;
      const GraphmlKey& key = data_key(d, domain);
      if (!key.name.empty()) item.value_at[key.name] = data_value_offset(d);
    }
  }

  void node(const XmlElement& e) {
    GraphmlItem n;
    n.offset = e.offset;
    n.id = required(e, "id").value;
    if (const auto [it, fresh] = node_index_.emplace(n.id, static_cast<int>(out_.nodes.size())); !fresh) {
      const SourceLocation first = doc_.at(out_.nodes[static_cast<std::size_t>(it->second)].offset);
      fail(e.offset, fmt::format("node id '{}' declared twice (first at line {}, column {})", n.id, first.line,
                                 first.column));
    }
    item_data(e, n, "node");
    out_.nodes.push_back(std::move(n));
  }

  int endpoint(const XmlElement& e, const char* which, std::size_t& offset) const {
    const XmlAttribute& a = required(e, which);
    offset = a.value_offset;
    const auto it = node_index_.find(a.value);
    if (it == node_index_.end()) {
      std::vector<std::string> ids;
      for (const auto& n : out_.nodes) ids.push_back(n.id);
      std::string msg = fmt::format("edge {} '{}' is not a declared node", which, a.value);
      if (auto near = nearest(a.value, ids)) msg += fmt::format("; did you mean '{}'?", *near);
      fail(a.value_offset, msg);
    }
    return it->second;
  }

  void edge(const XmlElement& e) {
    GraphmlItem item;
    item.offset = e.offset;
    if (const XmlAttribute* id = e.attribute("id")) item.id = id->value;
    item.source = endpoint(e, "source", item.source_offset);
    item.target = endpoint(e, "target", item.target_offset);
    if (item.source == item.target) fail(e.offset, "an edge from a node to itself");
    if (const XmlAttribute* d = e.attribute("directed")) {
      if ((d->value == "true") != out_.directed) {
        fail(d->value_offset, fmt::format("directed=\"{}\" in a graph whose edgedefault is \"{}\": orrery reads "
                                          "graphs whose edges are all {}",
                                          d->value, out_.directed ? "directed" : "undirected",
                                          out_.directed ? "directed" : "undirected"));
      }
    }
    item_data(e, item, "edge");
    out_.edges.push_back(std::move(item));
  }

  void graph_data(const XmlElement& d) {
    const GraphmlKey& key = data_key(d, "graph");
    if (key.name == "routes") out_.routes = &d;
  }

  const XmlDocument& doc_;
  GraphmlLayout out_;
  std::unordered_map<std::string, std::size_t> key_index_;
  std::unordered_map<std::string, int> node_index_;
};

}  // namespace

const GraphmlKey* GraphmlLayout::key_named(const std::string& name, const std::string& domain) const {
  for (const GraphmlKey& k : keys)
    if (k.name == name && (k.domain == domain || k.domain == "all")) return &k;
  return nullptr;
}

std::size_t GraphmlLayout::where(const GraphmlItem& item, const std::string& name, const std::string& domain) const {
  if (const auto it = item.value_at.find(name); it != item.value_at.end()) return it->second;
  if (const GraphmlKey* k = key_named(name, domain); k != nullptr && k->default_value) return k->default_offset;
  return item.offset;
}

GraphmlLayout lay_out_graphml(const XmlDocument& doc) { return LayoutReader(doc).run(); }

}  // namespace orrery::topo
