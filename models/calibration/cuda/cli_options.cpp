// Parsing of the `orrery-calibrate` command line (see cli_options.hpp). Both
// "--out FILE" and "--out=FILE" are accepted; every error names the argument.
#include "models/calibration/cuda/cli_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "models/calibration/cuda/calibration_errors.hpp"

namespace orrery::models::calibration {

namespace {

std::string join(std::span<const std::string_view> names, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += sep;
    out += names[i];
  }
  return out;
}

int parse_count(std::string_view flag, std::string_view text, int min) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min) {
    throw UsageError(std::string(flag) + ": expected an integer >= " + std::to_string(min) + ", got '" +
                     std::string(text) + "'");
  }
  return v;
}

bool valid_device_name(std::string_view name) {
  return !name.empty() && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// The command as a user would retype it: program base name, arguments quoted when needed.
std::string command_line(std::string_view program, std::span<const std::string_view> args) {
  const std::size_t slash = program.rfind('/');
  std::string out(slash == std::string_view::npos ? program : program.substr(slash + 1));
  for (std::string_view a : args) {
    out += ' ';
    if (a.empty() || a.find_first_of(" \t'\"") != std::string_view::npos) {
      out += '\'';
      out += a;
      out += '\'';
    } else {
      out += a;
    }
  }
  return out;
}

}  // namespace

Options parse_options(std::string_view program, std::span<const std::string_view> args,
                      std::span<const std::string_view> families) {
  Options o;
  o.command = command_line(program, args);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::string_view inline_value;
    bool has_inline = false;
    if (const std::size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    auto value = [&]() -> std::string_view {
      if (has_inline) return inline_value;
      if (i + 1 >= args.size()) throw UsageError(std::string(flag) + ": missing value");
      return args[++i];
    };
    auto no_value = [&] {
      if (has_inline) throw UsageError(std::string(flag) + ": takes no value");
    };
    if (flag == "--help" || flag == "-h") {
      no_value();
      o.help = true;
    } else if (flag == "--quick") {
      no_value();
      o.quick = true;
    } else if (flag == "--verify") {
      no_value();
      o.verify = true;
    } else if (flag == "--only") {
      std::string_view list = value();
      while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        if (std::ranges::find(families, name) == families.end()) {
          throw UsageError("--only: unknown kernel family '" + std::string(name) +
                           "'; valid: " + join(families, ", "));
        }
        if (std::ranges::find(o.only, name) == o.only.end()) o.only.emplace_back(name);
        if (comma == std::string_view::npos) break;
        list = list.substr(comma + 1);
      }
    } else if (flag == "--out" || flag == "-o") {
      o.out = value();
      if (o.out.empty()) throw UsageError(std::string(flag) + ": empty file name");
    } else if (flag == "--device-name") {
      o.device_name = value();
      if (!valid_device_name(o.device_name)) {
        throw UsageError("--device-name: '" + o.device_name +
                         "' is not a device file name (letters, digits, '-', '_', '.')");
      }
    } else if (flag == "--repetitions") {
      o.repetitions = parse_count(flag, value(), 1);
    } else if (flag == "--warmup") {
      o.warmup = parse_count(flag, value(), 0);
    } else if (flag == "--gpu") {
      o.gpu = parse_count(flag, value(), 0);
    } else {
      throw UsageError("unknown argument '" + std::string(args[i]) + "'; see --help");
    }
  }
  if (!o.help && o.out.empty() && !o.verify) {
    throw UsageError(
        "nothing to do: give --out TABLE.yaml to measure, --verify to check the kernels, or both");
  }
  return o;
}

std::string usage(std::span<const std::string_view> families) {
  return "usage: orrery-calibrate [--quick] [--only FAMILY,...] [--verify] [--out TABLE.yaml]\n"
         "                        [--device-name NAME] [--repetitions N] [--warmup N] [--gpu INDEX]\n"
         "\n"
         "Measures the reference kernels on a CUDA GPU and writes an orrery-calibration/1 table\n"
         "(models/calibration/README.md).\n"
         "\n"
         "  --quick            a small grid of shapes per family\n"
         "  --only LIST        comma-separated families; default all: " +
         join(families, ",") +
         "\n"
         "  --verify           compare every kernel with a simple reference on small sizes first;\n"
         "                     exit 1 if any differs (no table is written then)\n"
         "  --out FILE         the table to write (written whole, or not at all)\n"
         "  --device-name NAME orrery device file name recorded as `device:` (default from the GPU)\n"
         "  --repetitions N    timed samples per shape, the median is kept (default 20)\n"
         "  --warmup N         untimed runs per shape before timing (default 3)\n"
         "  --gpu INDEX        CUDA device to measure (default 0)\n"
         "\n"
         "Exit status: 0 success, 1 GPU/CUDA failure or failed verification (a family that fails\n"
         "ends its section with a '# stopped: ...' comment; the others still run), 2 bad command line,\n"
         "3 table written but some shapes skipped (a library refused them, or they did not fit;\n"
         "listed under 'skipped:' at the end of the table).\n";
}

std::string default_device_name(std::string_view gpu_name) {
  // CUDA's names for the GPUs that have orrery device files, exactly.
  constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kKnown{{
      {"NVIDIA H100 80GB HBM3", "H100-SXM5-80GB"},
      {"NVIDIA H100 PCIe", "H100-PCIe-80GB"},
      {"NVIDIA H100 NVL", "H100-NVL-94GB"},
      {"NVIDIA H200", "H200-SXM-141GB"},
      {"NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB"},
      {"NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB"},
      {"NVIDIA A100 80GB PCIe", "A100-PCIe-80GB"},
      {"NVIDIA A100-PCIE-40GB", "A100-PCIe-40GB"},
  }};
  for (const auto& [cuda_name, file_name] : kKnown) {
    if (gpu_name == cuda_name) return std::string(file_name);
  }
  if (gpu_name.starts_with("NVIDIA ")) gpu_name.remove_prefix(7);
  std::string out;
  for (const char c : gpu_name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown-gpu" : out;
}

}  // namespace orrery::models::calibration
