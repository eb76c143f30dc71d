// libFuzzer target over the inputs a user writes (issue 16): the scenario
// reader (YAML, aliases, duplicate keys, nesting), --set overrides applied to
// the document, the unit parser, the traffic CSV reader, the serving
// workload's request-trace reader, the GraphML topology reader (issue 15) and
// the Chakra trace readers, binary and text. The first byte picks the reader; for the scenario reader the input is the YAML text, then
// optionally a line "--set" and one key.path=value per line. Any exception
// other than orrery's ConfigError and ValueError escapes and is reported as a
// crash, as are signals and sanitizer findings: a user must only ever see a
// located message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/calibration/table.hpp"
#include "models/collective/measured_collectives.hpp"
#include "sim/config/document.hpp"
#include "sim/config/reader.hpp"
#include "sim/core/error.hpp"
#include "sim/core/units.hpp"
#include "topologies/graphml_network.hpp"
#include "workloads/chakra/chakra_trace.hpp"
#include "workloads/serving/requests.hpp"
#include "workloads/traffic_csv.hpp"

namespace {

using orrery::ConfigError;
using orrery::ValueError;

// Reads the values of a mapping, recursively, as the readers would: scalars
// as quantities, sequences item by item — the first 10,000 scalars (an
// accepted document may expand to 10^6 values; the readers read only the
// keys they know, and the harness must not spend its time walking them).
void walk(const YAML::Node& n, int depth, int& budget) {
  if (depth > 100 || budget <= 0) return;
  if (n.IsScalar()) {
    --budget;
    const std::string s = n.Scalar();
    for (auto parse : {+[](std::string_view t) { (void)orrery::parse_bytes(t); },
                       +[](std::string_view t) { (void)orrery::parse_bandwidth(t); },
                       +[](std::string_view t) { (void)orrery::parse_duration(t); }}) {
      try {
        parse(s);
      } catch (const ValueError&) {
      }
    }
    return;
  }
  if (n.IsSequence()) {
    for (const auto& item : n) walk(item, depth + 1, budget);
  } else if (n.IsMap()) {
    for (const auto& kv : n) walk(kv.second, depth + 1, budget);
  }
}

void scenario(std::string_view input) {
  std::string yaml(input);
  std::string sets;
  if (const auto at = yaml.find("\n--set\n"); at != std::string::npos) {
    sets = yaml.substr(at + 7);
    yaml.resize(at);
  }
  try {
    orrery::config::Document doc = orrery::config::Document::parse(yaml, "fuzz.yaml");
    std::size_t start = 0;
    while (start < sets.size()) {
      const auto end = std::min(sets.find('\n', start), sets.size());
      const std::string line = sets.substr(start, end - start);
      const auto eq = line.find('=');
      if (eq != std::string::npos) doc.set(line.substr(0, eq), line.substr(eq + 1));
      start = end + 1;
    }
    int budget = 10'000;
    walk(doc.root(), 0, budget);
  } catch (const ConfigError&) {
  } catch (const ValueError&) {
  }
}

// Runs one reader on the input: it may reject it only with the project's
// errors (a file:line:column message); anything else escapes and fails the run.
template <class Read>
void read_or_reject(Read read) {
  try {
    read();
  } catch (const ConfigError&) {
  } catch (const ValueError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0:
    case 1:  // half the inputs: the scenario reader
      scenario(text);
      break;
    case 2:
      read_or_reject([&] {
        orrery::workload::serving::RequestsSpec spec;
        spec.time_scale = 0.5;
        (void)orrery::workload::serving::parse_request_trace(std::string(text), spec, "fuzz.csv",
                                                             "workload.requests.file");
      });
      break;
    case 3:
      read_or_reject([&] {
        (void)orrery::workload::parse_flow_csv(std::string(text), "fuzz.csv", "workload.flows[0].file",
                                               orrery::SourceLocation{"fuzz.yaml", 1, 1});
      });
      break;
    case 4:
      read_or_reject([&] {
        (void)orrery::topo::parse_graphml_network(std::string(text), "fuzz.graphml", "cluster.scale_out.file");
      });
      break;
    case 5:
      read_or_reject([&] { (void)orrery::workload::chakra::parse_binary_trace(text, "fuzz.0.et", "workload.trace"); });
      break;
    case 6:
      read_or_reject([&] {
        (void)orrery::workload::chakra::parse_text_trace(std::string(text), "fuzz.0.et.txt", "workload.trace");
      });
      break;
    default:
      read_or_reject([&] {
        const auto t = orrery::models::parse_calibration_table(std::string(text), "fuzz.yaml");
        const orrery::models::MeasuredCollectives m(t.collective);
        for (const auto& r : t.collective) {
          for (const std::int64_t b : {std::int64_t{1}, r.bytes.count(), r.bytes.count() * 3, std::int64_t{1} << 62})
            (void)m.time(r.op, r.ranks, r.fabric, orrery::Bytes(b));
        }
      });
  }
  return 0;
}
