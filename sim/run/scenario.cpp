#include "sim/run/scenario.hpp"

#include <fmt/format.h>

#include <fstream>
#include <string>

#include "models/data_dir.hpp"
#include "topologies/chain.hpp"

namespace orrery::run {

namespace {

// `cluster.device` and `cluster.device_overrides`.
void read_device(config::Reader& c, const Catalog& catalog, exec::ClusterSpec& cluster) {
  const auto name = c.maybe<std::string>(
      "device", "a device of models/devices/ by name (`orrery list devices`), or the path of a device file; "
                "none for workloads with profiled times");
  std::shared_ptr<models::Device> device;
  if (name) {
    try {
      device = std::make_shared<models::Device>(*catalog.devices.load(*name));
    } catch (const ValueError& e) {
      c.fail("device", e.what());
    }
  }
  c.section("device_overrides", "replace fields of the device, e.g. { memory_bandwidth: \"3 TB/s\" }", false,
            [&](config::Reader& o) { models::read_overrides(o, device.get()); });
  const auto table = c.optional<std::string>(
      "calibration", "auto",
      "the device's kernel measurements: `auto` (its table in models/calibration/tables/, if any, with its "
      "calibration sibling's measured table first where it has no measured one of its own), `none` "
      "(the device file's documented default efficiencies), or the path of an orrery-calibration/1 table");
  if (device && !c.describing() && table != "none") {
    std::optional<models::CalibrationTable> t;
    if (table == "auto") {
      t = models::with_sibling(models::find_calibration_table(models::calibration_tables_dir(), device->name),
                               device->name, device->calibration_sibling, models::calibration_tables_dir());
    } else {
      if (!std::ifstream(table)) c.fail("calibration", fmt::format("cannot open '{}'", table));
      t = models::load_calibration_table(table);
    }
    if (t && t->device != device->name) {
      c.fail("calibration", fmt::format("the table '{}' is for {}, not {}", t->file, t->device, device->name));
    }
    if (t) cluster.calibration = std::make_shared<const models::CalibrationTable>(std::move(*t));
  }
  const auto host = c.maybe<std::string>(
      "host", "the host tier for offload (a device of kind host, e.g. DGX-A100-host): CPU memory, PCIe, NVMe");
  if (host) {
    try {
      auto h = catalog.devices.load(*host);
      if (!h->kind->host_tier()) {
        c.fail("host", fmt::format("'{}' is a {}, not a host", *host, h->kind->name()));
      }
      cluster.host = std::move(h);
    } catch (const ValueError& e) {
      c.fail("host", e.what());
    }
  }
  cluster.device = std::move(device);
}

}  // namespace

void read_cluster(config::Reader& c, const Catalog& catalog, exec::ClusterSpec& spec) {
  spec.nodes = c.required<int>("nodes", "number of nodes");
  c.check(spec.nodes >= 1, "nodes", "must be at least 1");
  read_device(c, catalog, spec);
  spec.node_at = c.where("node");
  c.section("node", "what is inside a node", false,
            [&](config::Reader& n) { spec.node = catalog.nodes.create(n, "single"); });
  if (!c.describing()) {
    c.check(std::int64_t{spec.nodes} * spec.node->devices() <= topo::kMaxEndpoints, "nodes",
            fmt::format("{} nodes of {} devices are more than the {} devices orrery builds", spec.nodes,
                        spec.node->devices(), topo::kMaxEndpoints));
  }
  spec.scale_out_at = c.where("scale_out");
  // One node needs no network between nodes: without the section it gets a
  // chain of one endpoint, which has no links.
  const bool one_node = !c.describing() && spec.nodes == 1;
  if (one_node && !c.has("scale_out")) {
    spec.scale_out = std::make_shared<topo::ChainSpec>(topo::ChainParams{Bandwidth::bytes_per_s(1), Duration{}, false});
    return;
  }
  c.section("scale_out", "the network between nodes (not needed for one node)", true,
            [&](config::Reader& t) {
              spec.scale_out = catalog.scale_out.create(t);
              if (t.describing()) return;
              // Checks that need the endpoint count, reported at the key at fault.
              if (auto p = spec.scale_out->problem(topo::scale_out_context(spec.nodes, *spec.node))) {
                t.fail(p->key, p->message);
              }
            });
}

void read_scenario(config::Reader& r, const Catalog& catalog, Scenario& s) {
  const auto seed = r.optional<std::int64_t>("seed", 1, "seed of every random stream of the run");
  r.check(seed >= 0, "seed", "must not be negative");
  s.seed = static_cast<std::uint64_t>(seed);
  // Limits first: every section below is checked against them.
  r.section("limits", "caps on what a scenario may ask for, raised deliberately (--max-tasks, --max-events)", false,
            [&](config::Reader& l) {
              const auto cap = [&l](const char* key, double fallback, const char* most, const char* help) {
                const double v = l.optional<double>(key, fallback, help);
                l.check(v >= 1 && v <= std::stod(most), key, fmt::format("must be in [1, {}], got {}", most, v));
                return v;
              };
              s.limits.tasks = cap("tasks", config::Limits{}.tasks, "1e12",
                                   "tasks in one lowered graph (training passes, traffic transfers, a Chakra "
                                   "collective's transfers), about 150 bytes each: 2e7 is a few GB");
              s.limits.events = cap("events", config::Limits{}.events, "1e15",
                                    "events one run may take, estimated before it starts (two per task and per "
                                    "collective transfer run on its own); 1e9 is minutes to ten minutes");
            });
  r.set_limits(&s.limits);
  s.collectives = catalog.collective_library;
  r.section("cluster", "the devices and how they are wired", true,
            [&](config::Reader& c) { read_cluster(c, catalog, s.cluster); });
  r.section("network", "how transfers are timed", false,
            [&](config::Reader& n) { s.network = catalog.networks.create(n, "flow"); });
  r.section("workload", "what runs on the cluster", true,
            [&](config::Reader& w) { s.workload = catalog.workloads.create(w); });
  r.section("policies", "failures, checkpoints, recovery, the long horizon, bubble filling", false,
            [&](config::Reader& p) { s.policies = horizon::read_policies(p, catalog.policies); });
  r.finish();
}

namespace {

// Every section's keys as describe mode documents them (path -> keys): the
// top level's, and the workload kind's the document names, for suggestions of
// keys that belong to a section read later.
void add_sections(const std::vector<config::KeyDoc>& docs, const std::string& path, config::Document::Sections& out) {
  auto& keys = out[path];
  for (const auto& d : docs) {
    keys.push_back(d.key);
    if (!d.children.empty()) add_sections(d.children, path.empty() ? d.key : path + "." + d.key, out);
  }
}

config::Document::Sections described_sections(const Catalog& catalog, const YAML::Node& root) {
  config::Document::Sections out;
  std::vector<config::KeyDoc> top;
  config::Reader r(&top);
  Scenario unused;
  read_scenario(r, catalog, unused);
  add_sections(top, "", out);
  const YAML::Node workload = root.IsMap() ? root["workload"] : YAML::Node();
  const YAML::Node kind = workload.IsMap() ? workload["kind"] : YAML::Node();
  std::vector<config::KeyDoc> docs;
  if (kind.IsScalar() && catalog.workloads.describe(kind.Scalar(), docs)) add_sections(docs, "workload", out);
  return out;
}

}  // namespace

Scenario parse_document(const Catalog& catalog, config::Document doc, const std::vector<std::string>& sets,
                        std::optional<std::uint64_t> seed) {
  for (const auto& kv : sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(fmt::format("--set '{}': expected key.path=value", kv));
    }
    const std::string path = kv.substr(0, eq);
    for (const auto& part : config::split_path(path, kv.substr(eq + 1))) {
      if (part.empty()) throw ConfigError(fmt::format("--set '{}': empty key in path '{}'", kv, path));
    }
    doc.set(path, kv.substr(eq + 1));
  }
  if (seed) doc.set("seed", std::to_string(*seed));
  doc.set_later_sections([&catalog, root = doc.root()] { return described_sections(catalog, root); });
  Scenario s;
  s.file = doc.file();
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  read_scenario(r, catalog, s);
  // Sizes the workload leaves to the cluster (dp: auto), filled from its devices.
  if (s.workload && s.cluster.node) {
    auto fitted = s.workload->fit_devices(s.cluster.nodes * s.cluster.node->devices());
    if (fitted.workload) s.workload = std::move(fitted.workload);
    for (const auto& [key, value] : fitted.filled) {
      YAML::Node at = resolved["workload"];
      for (const auto& part : config::split_path(key, "")) at.reset(at[part]);
      at = value;
    }
  }
  YAML::Emitter out;
  out << resolved;
  s.resolved_yaml = std::string(out.c_str()) + "\n";
  return s;
}

Scenario load_scenario(const Catalog& catalog, const std::string& path, const std::vector<std::string>& sets,
                       std::optional<std::uint64_t> seed) {
  return parse_document(catalog, config::Document::load_file(path), sets, seed);
}

Scenario parse_scenario(const Catalog& catalog, const std::string& text, const std::string& file_name,
                        const std::vector<std::string>& sets, std::optional<std::uint64_t> seed) {
  return parse_document(catalog, config::Document::parse(text, file_name), sets, seed);
}

}  // namespace orrery::run
