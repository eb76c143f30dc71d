// Reading GraphML files (topologies/graphml_network.hpp): what a valid file
// becomes, and every fault located at file:line:column with its message. The
// expected positions are counted by position_of() in the test text itself,
// not by the scanner under test.
#include <gtest/gtest.h>

#include "tests/topologies/graphml_support.hpp"

namespace orrery::topo {
namespace {

using testing::edge;
using testing::graphml_error;
using testing::graphml_text;
using testing::located;
using testing::node;
using testing::star_body;

std::shared_ptr<const GraphmlNetwork> read(const std::string& text) {
  return parse_graphml_network(text, "net.graphml", testing::kKeyPath);
}

TEST(Graphml, UndirectedEdgesBecomeDuplexPairsInFileOrder) {
  const auto net = read(graphml_text(star_body()));
  ASSERT_EQ(net->vertices.size(), 3u);
  EXPECT_EQ(net->vertices[1].name, "s");
  EXPECT_EQ(net->vertices[1].kind, VertexKind::kSwitch);
  EXPECT_EQ(net->endpoint_count(), 2);
  ASSERT_EQ(net->links.size(), 4u);  // two edges, each there and back
  EXPECT_EQ(net->links[0].src.value(), 0);
  EXPECT_EQ(net->links[0].dst.value(), 1);
  EXPECT_EQ(net->links[1].src.value(), 1);
  EXPECT_EQ(net->links[1].dst.value(), 0);
  EXPECT_EQ(net->links[2].src.value(), 1);
  EXPECT_EQ(net->links[2].dst.value(), 2);
  // 100 Gb/s = 100e9 / 8 bytes per second; 1 us = 1000 ns.
  EXPECT_DOUBLE_EQ(net->links[3].bandwidth.bytes_per_s(), 12.5e9);
  EXPECT_EQ(net->links[3].latency, Duration::ns(1000));
  EXPECT_FALSE(net->has_routes());
}

TEST(Graphml, DirectedEdgesKeepFileOrderWhateverTheirSource) {
  // Boost's directed adjacency list lists edges by source; the links must
  // still come in file order (each latency is its edge's number).
  const std::string body = node("a", "device") + node("b", "endpoint") + edge("b", "a", "1 GB/s", "1 ns") +
                           edge("a", "b", "2 GB/s", "2 ns") + edge("b", "a", "3 GB/s", "3 ns");
  const auto net = read(graphml_text(body, "directed"));
  ASSERT_EQ(net->links.size(), 3u);
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(net->links[static_cast<std::size_t>(j)].latency, Duration::ns(j + 1)) << j;
    EXPECT_DOUBLE_EQ(net->links[static_cast<std::size_t>(j)].bandwidth.bytes_per_s(), (j + 1) * 1e9) << j;
  }
  EXPECT_EQ(net->links[0].src.value(), 1);
  EXPECT_EQ(net->links[1].src.value(), 0);
}

TEST(Graphml, BareBandwidthIsBytesPerSecondAndDefaultsFillMissingData) {
  const std::string text =
      "<graphml>\n"
      "  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
      "  <key id=\"n\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
      "  <key id=\"b\" for=\"edge\" attr.name=\"bandwidth\" attr.type=\"double\"/>\n"
      "  <key id=\"l\" for=\"edge\" attr.name=\"latency\" attr.type=\"string\"><default>250 ns</default></key>\n"
      "  <graph edgedefault=\"undirected\">\n"
      "    <node id=\"n0\"><data key=\"k\">endpoint</data><data key=\"n\">gpu&amp;0</data></node>\n"
      "    <node id=\"n1\"><data key=\"k\">endpoint</data></node>\n"
      "    <edge source=\"n0\" target=\"n1\"><data key=\"b\">12500000000</data></edge>\n"
      "  </graph>\n</graphml>\n";
  const auto net = read(text);
  // A double-typed 12500000000 bytes per second: 100 Gb/s.
  EXPECT_DOUBLE_EQ(net->links[0].bandwidth.bytes_per_s(), 12.5e9);
  EXPECT_EQ(net->links[0].latency, Duration::ns(250));  // the key's default
  EXPECT_EQ(net->vertices[0].name, "gpu&0");             // the entity decoded
  EXPECT_EQ(net->vertices[1].name, "n1");                // no name: the id
}

TEST(Graphml, GivenRoutesFillTheReverseOfAnUndirectedRoute) {
  // Three endpoints on one switch; a -> b and b -> c given, c -> a and its
  // reverse given; the rest are reversals.
  const std::string body = node("a", "endpoint") + node("s", "switch") + node("b", "endpoint") +
                           node("c", "endpoint") + edge("a", "s") + edge("s", "b") + edge("s", "c") +
                           "    <data key=\"r\">\n      a s b\n      b s c; c s a\n    </data>\n";
  const auto net = read(graphml_text(body));
  ASSERT_TRUE(net->has_routes());
  const auto route = [&](int s, int d) {
    std::vector<int> out;
    for (auto i = net->route_first[static_cast<std::size_t>(s * 3 + d)];
         i < net->route_first[static_cast<std::size_t>(s * 3 + d + 1)]; ++i)
      out.push_back(net->route_links[i].value());
    return out;
  };
  // Links: a-s 0/1, s-b 2/3, s-c 4/5 (there/back).
  EXPECT_EQ(route(0, 1), (std::vector<int>{0, 2}));
  EXPECT_EQ(route(1, 0), (std::vector<int>{3, 1}));  // a s b reversed
  EXPECT_EQ(route(1, 2), (std::vector<int>{3, 4}));
  EXPECT_EQ(route(2, 0), (std::vector<int>{5, 1}));
  EXPECT_EQ(route(0, 2), (std::vector<int>{0, 4}));  // c s a reversed
  EXPECT_TRUE(route(1, 1).empty());
}

// ---- invalid inputs: each located, with its message ----

TEST(GraphmlInvalid, NotXml) {
  const std::string text = "cluster:\n  nodes: 2\n";
  EXPECT_EQ(graphml_error(text), located(text, "cluster", "not well-formed XML: text outside the root element"));
}

TEST(GraphmlInvalid, XmlFaults) {
  std::string text = "<graphml>\n  <graph edgedefault=\"undirected\">\n</graphml>\n";
  EXPECT_EQ(graphml_error(text),
            located(text, "</graphml>", "not well-formed XML: </graphml> closes <graph> (opened at line 2, column 3)"));
  text = "<graphml>\n  <graph edgedefault=undirected>";
  EXPECT_EQ(graphml_error(text), located(text, "undirected",
                                         "not well-formed XML: the value of attribute 'edgedefault' must be quoted"));
  text = "<graphml><key id=\"a&b;\"/></graphml>";
  EXPECT_EQ(graphml_error(text), located(text, "&", "not well-formed XML: unknown entity '&b;'"));
  text = "<graphml>";  // the end of its 9 bytes is column 10
  EXPECT_EQ(graphml_error(text), "net.graphml:1:10: error: cluster.scale_out.path: not well-formed XML: the file "
                                 "ends inside <graphml> (opened at line 1, column 1)");
  text = "";
  EXPECT_EQ(graphml_error(text), "net.graphml:1:1: error: cluster.scale_out.path: not well-formed XML: no root "
                                 "element (is the file empty?)");
  text = "<graph edgedefault=\"undirected\"/>";
  EXPECT_EQ(graphml_error(text), located(text, "<graph", "the root element is <graph>; a GraphML file's is <graphml>"));
}

TEST(GraphmlInvalid, MissingAttributes) {
  std::string text = graphml_text(node("a", "endpoint") + node("b", "endpoint") +
                                  "    <edge source=\"a\" target=\"b\"><data key=\"b\">1 GB/s</data></edge>\n");
  EXPECT_EQ(graphml_error(text),
            located(text, "<edge", "edge a -- b has no latency (a <data> for the key with attr.name=\"latency\", "
                                   "e.g. 500 ns)"));
  text = graphml_text("    <node id=\"a\"/>\n" + node("b", "endpoint") + edge("a", "b"));
  EXPECT_EQ(graphml_error(text),
            located(text, "<node id=\"a\"", "node 'a' has no kind (a <data> for the key with attr.name=\"kind\": "
                                            "endpoint, device, switch, nic)"));
  text = graphml_text("    <node/>\n");
  EXPECT_EQ(graphml_error(text), located(text, "<node/>", "<node> has no 'id' attribute"));
  text = "<graphml>\n  <graph>\n  </graph>\n</graphml>\n";
  EXPECT_EQ(graphml_error(text), located(text, "<graph>", "<graph> has no 'edgedefault' attribute"));
}

TEST(GraphmlInvalid, BandwidthWithABadUnit) {
  const std::string text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "b", "100 Gb"));
  const std::string message = graphml_error(text);
  const std::string want = located(text, "100 Gb", "edge a -- b: bandwidth: cannot read '100 Gb' as a bandwidth: "
                                                   "unknown unit 'Gb' (valid: b/s, ");
  EXPECT_EQ(message.substr(0, want.size()), want);
  EXPECT_NE(message.find("); expected e.g. \"200 Gb/s\""), std::string::npos) << message;
}

TEST(GraphmlInvalid, NegativeLatencyAndZeroBandwidth) {
  std::string text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "b", "1 GB/s", "-1 us"));
  EXPECT_EQ(graphml_error(text), located(text, "-1 us", "edge a -- b: latency must not be negative, got '-1 us'"));
  text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "b", "0 GB/s"));
  EXPECT_EQ(graphml_error(text), located(text, "0 GB/s", "edge a -- b: bandwidth must be positive, got '0 GB/s'"));
  text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "b", "1 GB/s", "5"));
  EXPECT_EQ(graphml_error(text), located(text, "5</data>", "edge a -- b: latency: '5' has no unit; a duration needs "
                                                            "one, e.g. \"1.5 us\""));
}

TEST(GraphmlInvalid, EdgeToAnUnknownVertex) {
  // Boost's reader would add 'c' as a new vertex without a word.
  const std::string text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "bb"));
  EXPECT_EQ(graphml_error(text),
            located(text, "bb\"", "edge target 'bb' is not a declared node; did you mean 'b'?"));
}

TEST(GraphmlInvalid, DisconnectedEndpoint) {
  const std::string text = graphml_text(star_body() + node("c", "endpoint"));
  EXPECT_EQ(graphml_error(text),
            located(text, "<node id=\"c\"", "endpoint 'c' is disconnected: it cannot be reached from endpoint 'a'"));
  const std::string one_way = graphml_text(
      node("a", "endpoint") + node("b", "endpoint") + edge("a", "b") + node("c", "endpoint") + edge("a", "c"),
      "directed");
  EXPECT_EQ(graphml_error(one_way),
            located(one_way, "<node id=\"b\"", "endpoint 'b' is disconnected: it cannot reach endpoint 'a'"));
}

TEST(GraphmlInvalid, GivenRoutesNamingAMissingLink) {
  const std::string text = graphml_text(star_body() + "    <data key=\"r\">a s b\nb a</data>\n");
  EXPECT_EQ(graphml_error(text), located(text, "a</data>", "routes: no link between 'b' and 'a'"));
}

TEST(GraphmlInvalid, GivenRoutesFaults) {
  std::string text = graphml_text(star_body() + "    <data key=\"r\">a sw b</data>\n");
  EXPECT_EQ(graphml_error(text), located(text, "sw b", "routes: no vertex is named 'sw'; did you mean 's'?"));
  text = graphml_text(star_body() + "    <data key=\"r\">s b</data>\n");
  EXPECT_EQ(graphml_error(text), located(text, "s b<", "routes: a route starts at 's', which is not an endpoint"));
  text = graphml_text(star_body() + "    <data key=\"r\">a s b; a s b</data>\n");
  std::string first = testing::position_of(text, "a s b");  // "LINE:COL" of the first route
  first.replace(first.find(':'), 1, ", column ");
  EXPECT_EQ(graphml_error(text),
            located(text, "a s b", "routes: a second route from 'a' to 'b' (the first at line " + first + ")", 1));
  text = graphml_text(star_body() + node("c", "endpoint") + edge("s", "c") + "    <data key=\"r\">a s b</data>\n");
  EXPECT_EQ(graphml_error(text),
            located(text, "<data key=\"r\"",
                    "routes: no route from 'a' to 'c': given routes must cover every ordered pair of the 3 endpoints "
                    "(6 routes, or one way of each pair: an undirected route serves both), or use routing: shortest"));
  text = graphml_text(star_body() + "    <data key=\"r\">a</data>\n");
  EXPECT_EQ(graphml_error(text), located(text, "a<", "routes: 'a' alone is no route: list the vertices from one "
                                                     "endpoint to another"));
}

TEST(GraphmlInvalid, SchemaFaults) {
  std::string text = graphml_text(node("a", "endpoint") + node("a", "endpoint"));
  EXPECT_EQ(graphml_error(text),
            located(text, "<node id=\"a\"", "node id 'a' declared twice (first at line 8, column 5)", 1));
  text = graphml_text(node("a", "swtich"));
  EXPECT_EQ(graphml_error(text), located(text, "swtich", "node 'a': unknown kind 'swtich'; did you mean 'switch'?; "
                                                         "valid: endpoint, device, switch, nic"));
  text = graphml_text("    <node id=\"a\"><data key=\"q\">1</data></node>\n");
  EXPECT_EQ(graphml_error(text), located(text, "q\"", "<data key=\"q\">: no <key> with id 'q' is declared"));
  text = graphml_text("    <node id=\"a\"><data key=\"b\">1 GB/s</data></node>\n");
  EXPECT_EQ(graphml_error(text),
            located(text, "b\">1", "key 'b' is declared for=\"edge\", but this <data> is on a node"));
  text = graphml_text(node("a", "endpoint") + node("b", "endpoint") +
                      "    <edge source=\"a\" target=\"b\" directed=\"true\"/>\n");
  EXPECT_EQ(graphml_error(text),
            located(text, "true", "directed=\"true\" in a graph whose edgedefault is \"undirected\": orrery reads "
                                  "graphs whose edges are all undirected"));
  text = graphml_text(node("s", "switch"));
  EXPECT_EQ(graphml_error(text), located(text, "<graph ", "the graph has no endpoint: give the vertices it joins kind "
                                                         "'endpoint' (or 'device')"));
  text = graphml_text(node("a", "endpoint") + node("b", "endpoint") + edge("a", "a"));
  EXPECT_EQ(graphml_error(text), located(text, "<edge", "an edge from a node to itself"));
  text = "<graphml>\n  <key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"int\"/>\n"
         "  <graph edgedefault=\"undirected\"><node id=\"a\"/><node id=\"b\"/>\n"
         "    <edge source=\"a\" target=\"b\"><data key=\"w\">heavy</data></edge></graph>\n</graphml>\n";
  EXPECT_EQ(graphml_error(text), located(text, "heavy", "'heavy' is not a int (key 'w' has attr.type=\"int\")"));
  text = "<graphml>\n  <key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"real\"/>\n</graphml>\n";
  EXPECT_EQ(graphml_error(text), located(text, "real", "key 'w': unknown attr.type 'real'; valid: boolean, int, long, "
                                                       "float, double, string"));
  text = graphml_text("    <node id=\"a\"><graph edgedefault=\"directed\"/></node>\n");
  EXPECT_EQ(graphml_error(text), located(text, "<graph edgedefault=\"directed\"", "nested graphs are not supported"));
  text = graphml_text(star_body());
  text.replace(text.find("</graphml>"), 0, "  <graph edgedefault=\"directed\"/>\n");
  EXPECT_EQ(graphml_error(text),
            located(text, "<graph edgedefault=\"directed\"", "a second <graph>: orrery reads one graph per file"));
}

TEST(GraphmlInvalid, TwoVerticesOfOneName) {
  const std::string text =
      "<graphml>\n  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
      "  <key id=\"n\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
      "  <graph edgedefault=\"undirected\">\n"
      "    <node id=\"a\"><data key=\"k\">endpoint</data><data key=\"n\">gpu</data></node>\n"
      "    <node id=\"b\"><data key=\"k\">endpoint</data><data key=\"n\">gpu</data></node>\n"
      "  </graph>\n</graphml>\n";
  EXPECT_EQ(graphml_error(text),
            located(text, "gpu", "two vertices are named 'gpu' (nodes 'a' and 'b'); names must differ", 1));
}

TEST(GraphmlInvalid, MissingOrSpecialFile) {
  const auto message = [](const std::string& path) -> std::string {
    try {
      (void)read_graphml_network(path, testing::kKeyPath);
    } catch (const ValueError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message("/nonexistent/net.graphml"), "cannot open GraphML file '/nonexistent/net.graphml'");
  // A device is refused before it is read (/dev/zero would never end).
  EXPECT_EQ(message("/dev/null"), "GraphML file '/dev/null' is not a regular file");
}

}  // namespace
}  // namespace orrery::topo
