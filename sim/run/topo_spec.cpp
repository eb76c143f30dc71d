#include "sim/run/topo_spec.hpp"

#include <fmt/format.h>

#include "sim/run/scenario.hpp"

namespace orrery::run {

namespace {

TopoSpec read(const Catalog& catalog, const config::Document& doc) {
  TopoSpec out;
  if (doc.root()["workload"]) {  // a whole scenario: read it all, report its cluster
    const Scenario s = parse_scenario(catalog, YAML::Dump(doc.root()), doc.file(), {}, std::nullopt);
    out.cluster = std::make_unique<exec::Cluster>(s.cluster);
    return out;
  }
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  if (r.has("cluster")) {
    exec::ClusterSpec spec;
    r.section("cluster", "the devices and how they are wired", true,
              [&](config::Reader& c) { read_cluster(c, catalog, spec); });
    r.finish();
    out.cluster = std::make_unique<exec::Cluster>(spec);
    return out;
  }
  topo::ScaleOutContext ctx;
  constexpr const char* kEndpointsHelp = "number of endpoints to build the topology for (a `file` topology has its own)";
  const auto given = r.maybe<int>("endpoints", kEndpointsHelp);
  r.check(!given || *given >= 1, "endpoints", "must be at least 1");
  std::shared_ptr<const topo::ScaleOutSpec> spec;
  const SourceLocation at = r.where("topology");
  r.section("topology", "the topology", true, [&](config::Reader& t) {
    spec = catalog.scale_out.create(t);
    const auto fixed = spec->fixed_endpoints();
    if (!given && !fixed) r.fail("endpoints", fmt::format("missing required key 'endpoints' ({})", kEndpointsHelp));
    ctx.endpoints = given ? *given : *fixed;
    if (given) ctx.origin = fmt::format("endpoints: {}", ctx.endpoints);
    if (auto p = spec->problem(ctx)) t.fail(p->key, p->message);
  });
  r.finish();
  try {
    out.topology = spec->build(ctx);
  } catch (const InfeasibleError& e) {
    throw ConfigError(at, "topology", e.what());
  } catch (const ValueError& e) {
    throw ConfigError(at, "topology", e.what());
  }
  return out;
}

}  // namespace

TopoSpec load_topo_spec(const Catalog& catalog, const std::string& path) {
  return read(catalog, config::Document::load_file(path));
}

TopoSpec parse_topo_spec(const Catalog& catalog, const std::string& text, const std::string& file_name) {
  return read(catalog, config::Document::parse(text, file_name));
}

}  // namespace orrery::run
