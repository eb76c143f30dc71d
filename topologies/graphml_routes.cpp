#include "topologies/graphml_routes.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "sim/core/suggest.hpp"

namespace orrery::topo {

namespace {

struct RouteWord {
  std::string name;
  std::size_t offset = 0;  // in the file
  int vertex = -1;
};

class RouteReader {
 public:
  RouteReader(const XmlDocument& doc, const XmlElement& routes, const std::unordered_map<std::string, int>& names,
              GraphmlNetwork& net)
      : doc_(doc),
        routes_(routes),
        names_(names),
        net_(net),
        out_(net.vertices.size()),
        endpoint_of_(net.vertices.size(), -1) {
    for (std::size_t v = 0; v < net.vertices.size(); ++v)
      if (net.vertices[v].kind == VertexKind::kEndpoint) endpoint_of_[v] = n_++;
    for (std::size_t l = 0; l < net.links.size(); ++l)
      out_[static_cast<std::size_t>(net.links[l].src.value())].push_back(static_cast<std::int32_t>(l));
  }

  void run() {
    net_.routes_at = doc_.at(routes_.offset);
    if (n_ > kMaxGivenRouteEndpoints) {
      fail(routes_.offset, fmt::format("routes for {} endpoints: a file with routes may have at most {} endpoints "
                                       "(its table holds N·(N−1) routes); use routing: shortest",
                                       n_, kMaxGivenRouteEndpoints));
    }
    slot_.assign(static_cast<std::size_t>(n_) * static_cast<std::size_t>(n_), -1);
    std::vector<RouteWord> words;
    RouteWord word;
    const std::string& t = routes_.text;
    const auto flush_word = [&] {
      if (!word.name.empty()) words.push_back(std::move(word));
      word = RouteWord{};
    };
    for (std::size_t i = 0; i <= t.size(); ++i) {
      const char c = i < t.size() ? t[i] : '\n';
      if (c == '\n' || c == ';') {
        flush_word();
        route(words);
        words.clear();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        flush_word();
      } else {
        if (word.name.empty()) word.offset = routes_.text_offset(i);
        word.name.push_back(c);
      }
    }
    complete();
  }

 private:
  struct Given {
    std::size_t first = 0, count = 0;
    std::size_t offset = 0;
  };

  [[noreturn]] void fail(std::size_t at, const std::string& message) const { throw doc_.error(at, message); }
  [[nodiscard]] std::size_t pair(int s, int d) const {
    return static_cast<std::size_t>(s) * static_cast<std::size_t>(n_) + static_cast<std::size_t>(d);
  }
  [[nodiscard]] const std::string& name(int v) const { return net_.vertices[static_cast<std::size_t>(v)].name; }

  void resolve(RouteWord& w) const {
    const auto it = names_.find(w.name);
    if (it != names_.end()) {
      w.vertex = it->second;
      return;
    }
    std::vector<std::string> all;
    for (const Vertex& v : net_.vertices) all.push_back(v.name);
    std::string msg = fmt::format("routes: no vertex is named '{}'", w.name);
    if (auto near = nearest(w.name, all)) msg += fmt::format("; did you mean '{}'?", *near);
    fail(w.offset, msg);
  }

  [[nodiscard]] int endpoint(const RouteWord& w, const char* end) const {
    const int e = endpoint_of_[static_cast<std::size_t>(w.vertex)];
    if (e < 0) fail(w.offset, fmt::format("routes: a route {} at '{}', which is not an endpoint", end, w.name));
    return e;
  }

  void route(std::vector<RouteWord>& words) {
    if (words.empty()) return;
    if (words.size() == 1) {
      fail(words.front().offset,
           fmt::format("routes: '{}' alone is no route: list the vertices from one endpoint to another",
                       words.front().name));
    }
    for (RouteWord& w : words) resolve(w);
    const int s = endpoint(words.front(), "starts");
    const int d = endpoint(words.back(), "ends");
    if (s == d) fail(words.front().offset, fmt::format("routes: a route from '{}' to itself", words.front().name));
    if (const std::int64_t before = slot_[pair(s, d)]; before >= 0) {
      const SourceLocation first = doc_.at(given_[static_cast<std::size_t>(before)].offset);
      fail(words.front().offset, fmt::format("routes: a second route from '{}' to '{}' (the first at line {}, "
                                             "column {})",
                                             words.front().name, words.back().name, first.line, first.column));
    }
    Given g{links_.size(), 0, words.front().offset};
    for (std::size_t k = 1; k < words.size(); ++k) {
      const int u = words[k - 1].vertex, v = words[k].vertex;
      std::int32_t found = -1;
      for (std::int32_t l : out_[static_cast<std::size_t>(u)]) {
        if (net_.links[static_cast<std::size_t>(l)].dst.value() == v) {
          found = l;
          break;
        }
      }
      if (found < 0) {
        fail(words[k].offset, fmt::format("routes: no link {} '{}' {} '{}'", net_.directed ? "from" : "between",
                                          name(u), net_.directed ? "to" : "and", name(v)));
      }
      links_.push_back(LinkId(found));
    }
    g.count = links_.size() - g.first;
    slot_[pair(s, d)] = static_cast<std::int64_t>(given_.size());
    given_.push_back(g);
  }

  // Fills in reverses (undirected graphs), checks that every ordered pair has
  // a route, and lays the table out.
  void complete() {
    std::vector<int> endpoint_vertex(static_cast<std::size_t>(n_));
    for (std::size_t v = 0; v < endpoint_of_.size(); ++v)
      if (endpoint_of_[v] >= 0) endpoint_vertex[static_cast<std::size_t>(endpoint_of_[v])] = static_cast<int>(v);
    net_.route_first.assign(pair(n_ - 1, n_ - 1) + 2, 0);
    for (int s = 0; s < n_; ++s) {
      for (int d = 0; d < n_; ++d) {
        net_.route_first[pair(s, d)] = static_cast<std::uint32_t>(net_.route_links.size());
        if (s == d) continue;
        const std::int64_t there = slot_[pair(s, d)], back = slot_[pair(d, s)];
        if (there >= 0) {
          const Given& g = given_[static_cast<std::size_t>(there)];
          net_.route_links.insert(net_.route_links.end(), links_.begin() + static_cast<std::ptrdiff_t>(g.first),
                                  links_.begin() + static_cast<std::ptrdiff_t>(g.first + g.count));
        } else if (!net_.directed && back >= 0) {
          // The reverse path: each link's duplex partner (links 2k and 2k+1), last first.
          const Given& g = given_[static_cast<std::size_t>(back)];
          for (std::size_t k = g.first + g.count; k-- > g.first;) net_.route_links.push_back(LinkId(links_[k].value() ^ 1));
        } else {
          const std::size_t want = static_cast<std::size_t>(n_) * static_cast<std::size_t>(n_ - 1);
          fail(routes_.offset,
               fmt::format("routes: no route from '{}' to '{}': given routes must cover every ordered pair of the {} "
                           "endpoints ({} routes{}), or use routing: shortest",
                           name(endpoint_vertex[static_cast<std::size_t>(s)]),
                           name(endpoint_vertex[static_cast<std::size_t>(d)]), n_, want,
                           net_.directed ? "" : ", or one way of each pair: an undirected route serves both"));
        }
      }
    }
    net_.route_first.back() = static_cast<std::uint32_t>(net_.route_links.size());
  }

  const XmlDocument& doc_;
  const XmlElement& routes_;
  const std::unordered_map<std::string, int>& names_;
  GraphmlNetwork& net_;
  std::vector<std::vector<std::int32_t>> out_;  // links out of each vertex, in file order
  std::vector<int> endpoint_of_;                // vertex -> endpoint index, or -1
  int n_ = 0;
  std::vector<std::int64_t> slot_;  // pair -> index into given_, or -1
  std::vector<Given> given_;
  std::vector<LinkId> links_;
};

}  // namespace

void read_given_routes(const XmlDocument& doc, const XmlElement& routes,
                       const std::unordered_map<std::string, int>& names, GraphmlNetwork& net) {
  RouteReader(doc, routes, names, net).run();
}

}  // namespace orrery::topo
