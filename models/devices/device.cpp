#include "models/devices/device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <type_traits>
#include <variant>

#include "sim/config/document.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::models {

namespace {

using FieldRef =
    std::variant<Sourced<FlopRate> Device::*, Sourced<double> Device::*, Sourced<Bytes> Device::*,
                 Sourced<Bandwidth> Device::*, Sourced<Power> Device::*, Sourced<Duration> Device::*,
                 Sourced<Frequency> Device::*, Sourced<std::int64_t> Device::*>;


enum class Range : std::uint8_t { kPositive, kFraction, kAtLeastOne, kNonNegative };

struct Field {
  std::string_view key;
  std::string_view help;
  FieldRef member;
  Range range = Range::kPositive;
};

// Every numeric field of a device file, in the order `describe` prints them.
const std::vector<Field>& fields() {
  static const std::vector<Field> f{
      {"peak_fp64", "dense fp64 peak (tensor cores where present)", &Device::peak_fp64},
      {"peak_fp32", "fp32 peak on the vector units (no tensor cores)", &Device::peak_fp32},
      {"peak_tf32", "dense tf32 tensor peak", &Device::peak_tf32},
      {"peak_bf16", "dense bf16 tensor peak", &Device::peak_bf16},
      {"peak_fp16", "dense fp16 tensor peak (fp32 accumulate)", &Device::peak_fp16},
      {"peak_fp8", "dense fp8 tensor peak", &Device::peak_fp8},
      {"peak_int8", "dense int8 tensor peak (OP/s)", &Device::peak_int8},
      {"peak_int4", "dense int4 tensor peak (OP/s)", &Device::peak_int4},
      {"sparse_factor", "speed-up of 2:4 structured sparsity on the tensor cores", &Device::sparse_factor,
       Range::kAtLeastOne},
      {"memory_capacity", "device memory", &Device::memory_capacity},
      {"memory_bandwidth", "device memory bandwidth (NGPC: the host GPU's, where spilled tables go)",
       &Device::memory_bandwidth},
      {"on_chip_memory", "last-level cache or on-chip SRAM", &Device::on_chip_memory},
      {"l1_memory", "first-level data cache per SM or CU (with shared memory where they are one array)",
       &Device::l1_memory},
      {"link_bandwidth", "device-to-device bandwidth per direction (NVLink, Infinity Fabric)",
       &Device::link_bandwidth},
      {"nic_bandwidth", "network bandwidth per device per direction in its reference system",
       &Device::nic_bandwidth},
      {"pcie_bandwidth", "host link bandwidth per direction", &Device::pcie_bandwidth},
      {"power", "board power (TDP / TBP)", &Device::power},
      {"launch_overhead", "time of one kernel launch, paid by every operation", &Device::launch_overhead, Range::kNonNegative},
      {"clock", "clock (boost clock for GPUs)", &Device::clock},
      {"compute_units", "SMs or CUs", &Device::compute_units},
      {"default_compute_efficiency", "share of peak reached when no calibration applies (uncalibrated)",
       &Device::default_compute_efficiency, Range::kFraction},
      {"default_memory_efficiency",
       "share of memory bandwidth reached when no calibration applies (uncalibrated)",
       &Device::default_memory_efficiency, Range::kFraction},
      {"hbm_channels", "HBM pseudo-channels the fabric can use", &Device::hbm_channels},
      {"hbm_channel_bandwidth", "bandwidth of one HBM pseudo-channel", &Device::hbm_channel_bandwidth},
      {"ddr_capacity", "on-card DDR memory", &Device::ddr_capacity},
      {"ddr_bandwidth", "on-card DDR bandwidth", &Device::ddr_bandwidth},
      {"luts", "look-up tables of the FPGA fabric", &Device::luts},
      {"dsp_slices", "DSP slices of the FPGA fabric", &Device::dsp_slices},
      {"flip_flops", "flip-flops of the FPGA fabric", &Device::flip_flops},
      {"bram_18k", "18 Kb block RAMs of the FPGA fabric (a 36 Kb block is two)", &Device::bram_18k},
      {"uram_blocks", "288 Kb UltraRAM blocks of the FPGA fabric", &Device::uram_blocks},
      {"shell_luts", "LUTs the platform shell (static and dynamic region) takes", &Device::shell_luts,
       Range::kNonNegative},
      {"shell_flip_flops", "flip-flops the platform shell takes", &Device::shell_flip_flops, Range::kNonNegative},
      {"shell_bram_18k", "18 Kb block RAMs the platform shell takes", &Device::shell_bram_18k, Range::kNonNegative},
      {"shell_dsp_slices", "DSP slices the platform shell takes", &Device::shell_dsp_slices, Range::kNonNegative},
      {"nfp_count", "neural field processors in the cluster", &Device::nfp_count},
      {"encoding_engines_per_nfp", "encoding engines per NFP (one per grid level)",
       &Device::encoding_engines_per_nfp},
      {"engine_sram", "SRAM of one encoding engine (one level's table)", &Device::engine_sram},
      {"engine_lookups_per_cycle", "table lookups one engine does per cycle (an NGPC encoding engine, a CPU core)",
       &Device::engine_lookups_per_cycle},
      {"mlp_array", "side of the MLP engine's square MAC array", &Device::mlp_array},
      {"host_memory_capacity", "CPU memory of the host", &Device::host_memory_capacity},
      {"host_memory_bandwidth", "CPU memory bandwidth of the host", &Device::host_memory_bandwidth},
      {"nvme_capacity", "local NVMe capacity", &Device::nvme_capacity},
      {"nvme_read_bandwidth", "local NVMe read bandwidth", &Device::nvme_read_bandwidth},
      {"nvme_write_bandwidth", "local NVMe write bandwidth", &Device::nvme_write_bandwidth},
  };
  return f;
}

template <class T>
std::string type_name() {
  return config::Value<T>::type();
}

template <class T>
double magnitude(const T& v) {
  if constexpr (std::is_same_v<T, double>)
    return v;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return static_cast<double>(v);
  else if constexpr (std::is_same_v<T, FlopRate>)
    return v.per_s();
  else if constexpr (std::is_same_v<T, Bytes>)
    return static_cast<double>(v.count());
  else if constexpr (std::is_same_v<T, Bandwidth>)
    return v.bytes_per_s();
  else if constexpr (std::is_same_v<T, Power>)
    return v.watts();
  else if constexpr (std::is_same_v<T, Duration>)
    return static_cast<double>(v.count());
  else
    return v.hz();
}

// The message for a value outside its field's range, or empty.
std::string range_error(Range range, double v) {
  switch (range) {
    case Range::kPositive:
      return v > 0 ? "" : "must be positive";
    case Range::kFraction:
      return v > 0 && v <= 1 ? "" : "must be in (0, 1]";
    case Range::kAtLeastOne:
      return v >= 1 ? "" : "must be at least 1";
    case Range::kNonNegative:
      return v >= 0 ? "" : "must not be negative";
  }
  return "";
}

template <class T>
std::string show(const T& v) {
  if constexpr (std::is_same_v<T, double>)
    return fmt::format("{}", v);
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return fmt::format("{}", v);
  else
    return to_string(v);
}

// A field's value as text; integer peaks read in OP/s.
std::string show_field(const Field& f, const Device& d) {
  return std::visit(
      [&](auto member) {
        std::string s = show((d.*member).value);
        if ((f.key == "peak_int8" || f.key == "peak_int4") && s.ends_with("FLOP/s")) {
          s.replace(s.size() - 6, 6, "OP/s");
        }
        return s;
      },
      f.member);
}

bool present(const Field& f, const Device& d) {
  return std::visit([&](auto member) { return (d.*member).present; }, f.member);
}

// Reads the `{ value: ..., source: ... }` mapping of one field.
void read_field(config::Reader& r, const config::Document* doc, const Field& f, Device& d) {
  if (!r.describing() && doc) {
    const YAML::Node n = doc->root()[std::string(f.key)];
    if (n && n.IsScalar()) {
      throw ConfigError(
          doc->location(n, std::string(f.key)), std::string(f.key),
          fmt::format("a number needs its source: write {{ value: \"{}\", source: \"datasheet, paper "
                      "and table, or measurement\" }}",
                      n.Scalar()));
    }
  }
  std::visit(
      [&](auto member) {
        using S = std::remove_reference_t<decltype(d.*member)>;
        using T = typename S::value_type;
        const auto mine = d.kind->required_fields();
        const bool required = std::find(mine.begin(), mine.end(), f.key) != mine.end();
        r.section(f.key, f.help, required && !r.describing(), [&](config::Reader& s) {
          if (!s.describing() && !r.has(f.key)) return;
          S out;
          out.value = s.required<T>("value", type_name<T>());
          out.source = s.required<std::string>(
              "source",
              "where the number comes from: datasheet and version, paper and table, or measurement "
              "with GPU, driver, CUDA version and date");
          s.check(out.source.find_first_not_of(" \t") != std::string::npos, "source", "must not be empty");
          const std::string bad = range_error(f.range, magnitude(out.value));
          s.check(bad.empty(), "value", bad);
          out.present = true;
          if (!s.describing()) d.*member = std::move(out);
        });
      },
      f.member);
}

void read_device(config::Reader& r, const config::Document* doc, Device& d,
                 const std::string& expected_name) {
  d.name = r.required<std::string>("name", "the device's name: the file's name without .yaml");
  r.check(expected_name.empty() || d.name == expected_name, "name",
          fmt::format("'{}' differs from the file name '{}.yaml'", d.name, expected_name));
  std::vector<std::string> kinds;
  for (const DeviceKindSpec* k : device_kinds()) kinds.emplace_back(k->name());
  const std::string kind = r.choice("kind", kinds, std::nullopt, "what sort of device");
  if (const DeviceKindSpec* k = find_device_kind(kind)) d.kind = k;
  d.description = r.required<std::string>("description", "one line: vendor, model, memory");
  d.notes =
      r.optional<std::string>("notes", "", "what a user should know (e.g. one GCD of a two-GCD module)");
  d.host_device = r.optional<std::string>("host_device", "", "NGPC only: the GPU the cluster sits beside");
  if (!r.describing() && !d.host_device.empty()) d.host_device_at = r.where("host_device");
  r.section(
      "calibration_sibling",
      "GPU only, `{ device: NAME, source: \"why\" }`: a GPU of the same compute die (the same peaks and SM "
      "count) whose measured kernel times price this one's operations, on this device's own roofline, where "
      "this device has no measured table",
      false, [&](config::Reader& s) {
        if (!s.describing() && !r.has("calibration_sibling")) return;
        const auto name = s.required<std::string>("device", "the sibling device's name");
        const auto source = s.required<std::string>(
            "source",
            "why its kernels stand for this device's: the die, SMs, clocks and tensor peaks both share");
        s.check(source.find_first_not_of(" \t") != std::string::npos, "source", "must not be empty");
        if (s.describing()) return;
        d.calibration_sibling = name;
        d.calibration_sibling_source = source;
        d.calibration_sibling_at = s.where("device");
      });
  for (const auto& f : fields()) read_field(r, doc, f, d);
  if (!r.describing()) d.kind->check(r, d);
  r.finish();
}

}  // namespace

const Sourced<FlopRate>& Device::peak(task::DType t) const {
  using task::DType;
  switch (t) {
    case DType::kFp64:
      return peak_fp64;
    case DType::kFp32:
      return peak_fp32;
    case DType::kTf32:
      return peak_tf32;
    case DType::kBf16:
      return peak_bf16;
    case DType::kFp16:
      return peak_fp16;
    case DType::kFp8:
      return peak_fp8;
    case DType::kInt8:
      return peak_int8;
    case DType::kInt4:
      return peak_int4;
    case DType::kInt3:
    case DType::kInt2: {
      static const Sourced<FlopRate> kNone;  // storage types: no unit multiplies them
      return kNone;
    }
  }
  return peak_fp32;
}

FlopRate Device::peak_or_throw(task::DType t) const {
  const auto& p = peak(t);
  if (p.present) return p.value;
  std::vector<std::string> have;
  for (int i = 0; i < task::kDTypeCount; ++i) {
    const auto dt = static_cast<task::DType>(i);
    if (peak(dt).present) have.emplace_back(task::name_of(dt));
  }
  throw ValueError(fmt::format("device {} has no {} peak; it has: {}", name, task::name_of(t),
                               have.empty() ? std::string("none") : join(have)));
}

Device parse_device(const std::string& text, const std::string& file_name) {
  const config::Document doc = config::Document::parse(text, file_name);
  Device d;
  d.file = file_name;
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  const std::string stem = std::filesystem::path(file_name).stem().string();
  read_device(r, &doc, d, std::filesystem::path(file_name).extension() == ".yaml" ? stem : std::string());
  return d;
}

Device load_device(const std::string& path) {
  const config::Document doc = config::Document::load_file(path);
  Device d;
  d.file = path;
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  read_device(r, &doc, d, std::filesystem::path(path).stem().string());
  return d;
}

void read_overrides(config::Reader& r, Device* device) {
  for (const auto& f : fields()) {
    std::visit(
        [&](auto member) {
          using S = std::remove_reference_t<decltype(device->*member)>;
          using T = typename S::value_type;
          const auto v = r.maybe<T>(f.key, f.help);
          if (!v) return;
          r.check(device != nullptr, f.key, "there is no cluster.device to override");
          if (!device) return;
          const std::string bad = range_error(f.range, magnitude(*v));
          r.check(bad.empty(), f.key, bad);
          S& s = device->*member;
          s.value = *v;
          s.source = fmt::format("scenario override ({})", r.where(f.key).str());
          s.present = true;
        },
        f.member);
  }
}

std::vector<config::KeyDoc> device_file_keys() {
  std::vector<config::KeyDoc> docs;
  config::Reader r(&docs);
  Device d;
  read_device(r, nullptr, d, "");
  // One row per field: "value with a source" instead of the two sub-keys, and
  // which kinds require it (describe mode cannot know the kind).
  for (auto& doc : docs) {
    if (doc.type == "section" && !doc.children.empty()) {
      doc.type = doc.children.front().type + ", with its source";
      doc.children.clear();
    }
    std::string kinds;
    for (const DeviceKindSpec* k : device_kinds()) {
      const auto required = k->required_fields();
      if (std::find(required.begin(), required.end(), doc.key) == required.end()) continue;
      if (!kinds.empty()) kinds += ", ";
      kinds += k->name();
    }
    if (!kinds.empty()) doc.help += fmt::format(" (required for: {})", kinds);
  }
  return docs;
}

std::vector<FieldValue> field_values(const Device& d) {
  std::vector<FieldValue> out;
  for (const auto& f : fields()) {
    if (!present(f, d)) continue;
    out.push_back(FieldValue{std::string(f.key), show_field(f, d),
                             std::visit([&](auto member) { return (d.*member).source; }, f.member)});
  }
  return out;
}

std::string describe(const Device& d, bool markdown) {
  std::string out;
  if (markdown) {
    out += fmt::format("### device `{}`\n\n{} ({}).{}\n\n", d.name, d.description, d.kind->name(),
                       d.notes.empty() ? "" : " " + d.notes);
    if (!d.calibration_sibling.empty()) {
      out += fmt::format("Calibration sibling: `{}` ({}).\n\n", d.calibration_sibling,
                         d.calibration_sibling_source);
    }
    out += "| field | value | source |\n|---|---|---|\n";
  } else {
    out += fmt::format("device '{}' ({}): {}\n", d.name, d.kind->name(), d.description);
    if (!d.notes.empty()) out += fmt::format("  notes: {}\n", d.notes);
    if (!d.host_device.empty()) out += fmt::format("  host device: {}\n", d.host_device);
    if (!d.calibration_sibling.empty()) {
      out += fmt::format("  calibration sibling: {} ({})\n", d.calibration_sibling,
                         d.calibration_sibling_source);
    }
    out += fmt::format("  file: {}\n", d.file);
  }
  for (const auto& v : field_values(d)) {
    if (markdown) {
      out += fmt::format("| `{}` | {} | {} |\n", v.key, v.value, v.source);
    } else {
      out += fmt::format("  {:<27} {:<14} {}\n", v.key, v.value, v.source);
    }
  }
  return out;
}

}  // namespace orrery::models
