// Finding a device's calibration and merging its measured and published
// tables (table.hpp): measured rows win group by group, published rows fill
// the groups measurement lacks. The group of a row is what the cost model
// cannot interpolate across, so a merged group never mixes two sources.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>
#include <tuple>

#include "models/calibration/table.hpp"
#include "sim/config/document.hpp"

namespace orrery::models {

namespace {

using GroupKey = std::tuple<int, int, int, std::string>;

GroupKey key_of(const GemmRow& r) {
  return {static_cast<int>(r.shape.dtype), r.shape.accumulate ? 1 + static_cast<int>(*r.shape.accumulate) : 0, 0, ""};
}
GroupKey key_of(const MemoryRow& r) {
  return {static_cast<int>(r.kernel), 0, 0, ""};
}
GroupKey key_of(const AttentionRow& r) {
  return {static_cast<int>(r.shape.dtype), r.shape.causal ? 1 : 0, static_cast<int>(r.pass), r.backend};
}
GroupKey key_of(const DecodeAttentionRow& r) {
  return {static_cast<int>(r.shape.dtype), static_cast<int>(r.shape.heads), static_cast<int>(r.shape.kv_heads),
          std::to_string(r.shape.head_dim)};
}
GroupKey key_of(const HashGridRow& r) {
  return {static_cast<int>(r.shape.levels), static_cast<int>(r.shape.features),
          static_cast<int>(r.shape.dims), ""};
}
GroupKey key_of(const MlpRow& r) {  // depth is a grid coordinate
  return {static_cast<int>(r.shape.width), 0, 0, ""};
}
GroupKey key_of(const SpmmRow& r) {
  return {static_cast<int>(r.shape.dtype), 0, 0, ""};
}
GroupKey key_of(const LayerRow& r) {
  return {static_cast<int>(r.shape.kernel), static_cast<int>(r.shape.pass), static_cast<int>(r.shape.dtype),
          ""};
}

GroupKey key_of(const CollectiveRow& r) {
  return {static_cast<int>(r.op), r.ranks, 0, r.fabric};
}

// Appends to `out` the rows of `published` whose group has no row in `out`.
template <class Row>
void fill(std::vector<Row>& out, const std::vector<Row>& published) {
  std::set<GroupKey> measured;
  for (const Row& r : out) measured.insert(key_of(r));
  for (const Row& r : published) {
    if (!measured.contains(key_of(r))) out.push_back(r);
  }
}

}  // namespace

CalibrationTable merge_calibration_tables(const CalibrationTable& measured,
                                          const CalibrationTable& published) {
  CalibrationTable t = measured;
  // "DIR/X.measured.yaml + X.yaml": what messages print (their file name part) names both.
  const std::filesystem::path m(measured.file), p(published.file);
  t.file = measured.file + " + " + (m.parent_path() == p.parent_path() ? p.filename().string() : published.file);
  fill(t.gemm, published.gemm);
  fill(t.memory, published.memory);
  fill(t.attention, published.attention);
  fill(t.decode_attention, published.decode_attention);
  fill(t.hashgrid, published.hashgrid);
  fill(t.mlp, published.mlp);
  fill(t.spmm, published.spmm);
  fill(t.layer, published.layer);
  fill(t.collective, published.collective);
  return t;
}

std::optional<CalibrationTable> find_calibration_table(const std::string& folder, const std::string& device) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::optional<CalibrationTable> by_kind[2];
  for (const auto& f : files) {
    // A file that does not name the device anywhere is not its table: skip
    // parsing it (a measured table is ~160 KB of YAML, tens of ms to parse).
    std::ifstream in(f, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad() || text.find(device) == std::string::npos) continue;
    const config::Document doc = config::Document::load_file(f);
    const YAML::Node d = doc.root()["device"];
    if (!d || !d.IsScalar() || d.Scalar() != device) continue;
    CalibrationTable t = read_calibration_document(doc);
    auto& slot = by_kind[static_cast<int>(t.provenance.kind)];
    if (slot) {
      throw ConfigError(fmt::format("two {} calibration tables for device {}: {} and {}; keep one",
                                    t.provenance.kind == ProvenanceKind::kMeasured ? "measured" : "published",
                                    device, slot->file, t.file));
    }
    slot = std::move(t);
  }
  auto& published = by_kind[static_cast<int>(ProvenanceKind::kPublished)];
  auto& measured = by_kind[static_cast<int>(ProvenanceKind::kMeasured)];
  if (measured && published) return merge_calibration_tables(*measured, *published);
  return measured ? std::move(measured) : std::move(published);
}

std::optional<CalibrationTable> with_sibling(std::optional<CalibrationTable> own, const std::string& device,
                                             const std::string& sibling, const std::string& folder) {
  if (sibling.empty() || (own && own->provenance.kind == ProvenanceKind::kMeasured)) return own;
  auto theirs = find_calibration_table(folder, sibling);
  if (!theirs || theirs->provenance.kind != ProvenanceKind::kMeasured) return own;  // published rows: its own
  if (!own) {
    own.emplace();
    own->device = device;
    own->file = "(none)";
  }
  own->sibling = std::make_shared<const CalibrationTable>(std::move(*theirs));
  return own;
}

}  // namespace orrery::models
