// Helpers for the GraphML tests: a small file around a body of nodes and
// edges, the position of a piece of text in it (counted here, independently
// of the scanner), and the located error reading a text raises.
#pragma once

#include <string>

#include "topologies/graphml_network.hpp"

namespace orrery::topo::testing {

inline constexpr const char* kKeyPath = "cluster.scale_out.path";

// The four keys orrery reads, then a graph of `edgedefault` holding `body`.
inline std::string graphml_text(const std::string& body, const std::string& edgedefault = "undirected") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
         "  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
         "  <key id=\"b\" for=\"edge\" attr.name=\"bandwidth\" attr.type=\"string\"/>\n"
         "  <key id=\"l\" for=\"edge\" attr.name=\"latency\" attr.type=\"string\"/>\n"
         "  <key id=\"r\" for=\"graph\" attr.name=\"routes\" attr.type=\"string\"/>\n"
         "  <graph id=\"G\" edgedefault=\"" +
         edgedefault + "\">\n" + body + "  </graph>\n</graphml>\n";
}

inline std::string node(const std::string& id, const std::string& kind) {
  return "    <node id=\"" + id + "\"><data key=\"k\">" + kind + "</data></node>\n";
}

inline std::string edge(const std::string& a, const std::string& b, const std::string& bw = "100 Gb/s",
                        const std::string& lat = "1 us") {
  return "    <edge source=\"" + a + "\" target=\"" + b + "\"><data key=\"b\">" + bw + "</data><data key=\"l\">" +
         lat + "</data></edge>\n";
}

// Endpoints a and b on switch s.
inline std::string star_body() {
  return node("a", "endpoint") + node("s", "switch") + node("b", "endpoint") + edge("a", "s") + edge("s", "b");
}

// "LINE:COLUMN" of the `nth` (0-based) occurrence of `needle` in `text`, counted here.
inline std::string position_of(const std::string& text, const std::string& needle, int nth = 0) {
  std::size_t at = text.find(needle);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  if (at == std::string::npos) return "(not found: " + needle + ")";
  int line = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(at - start + 1);
}

// The message of the ConfigError reading `text` as "net.graphml" raises, or "(no error)".
inline std::string graphml_error(const std::string& text) {
  try {
    (void)parse_graphml_network(text, "net.graphml", kKeyPath);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// "net.graphml:LINE:COL: error: cluster.scale_out.path: MESSAGE", at `needle`.
inline std::string located(const std::string& text, const std::string& needle, const std::string& message,
                           int nth = 0) {
  return "net.graphml:" + position_of(text, needle, nth) + ": error: " + kKeyPath + ": " + message;
}

}  // namespace orrery::topo::testing
