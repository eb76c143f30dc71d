// `orrery-calibrate`: runs the reference kernels on a CUDA GPU and writes the
// calibration table that orrery's compute cost models interpolate
// (models/calibration/README.md). With --verify it first checks every selected
// kernel against a simple reference and refuses to write a table if one
// differs. Progress goes to stderr; the table is written to a temporary file
// and renamed at the end, so the --out path never holds a half-written file.
// Exit status: 0 success, 1 GPU/CUDA failure (a table is still written when a
// family stopped early, saying so) or failed verification, 2 usage, 3 the table
// is written and every family ran to its end but some shapes were skipped (a
// library refused them, or they did not fit): the table's `skipped:` list.
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/calibration/cuda/calibration_errors.hpp"
#include "models/calibration/cuda/calibration_table.hpp"
#include "models/calibration/cuda/cli_options.hpp"
#include "models/calibration/cuda/family.hpp"
#include "models/calibration/cuda/provenance.hpp"

namespace orrery::models::calibration {

namespace {

constexpr int kExitSkipped = 3;

// Every family, in the order of the table's sections. One line per family.
constexpr std::array kFamilies{
    Family{"gemm", measure_gemm, verify_gemm},
    Family{"memory", measure_memory, verify_memory},
    Family{"attention", measure_attention, verify_attention},
    Family{"decode_attention", measure_decode_attention, verify_decode_attention},
    Family{"hashgrid", measure_hashgrid, verify_hashgrid},
    Family{"mlp", measure_mlp, verify_mlp},
    Family{"spmm", measure_spmm, verify_spmm},
    Family{"layer", measure_layer, verify_layer},
};

std::vector<std::string_view> family_names() {
  std::vector<std::string_view> names;
  for (const Family& f : kFamilies) names.push_back(f.name);
  return names;
}

std::vector<const Family*> selected(const Options& o) {
  std::vector<const Family*> out;
  for (const Family& f : kFamilies) {
    if (o.only.empty()) out.push_back(&f);
  }
  for (const std::string& name : o.only) {
    for (const Family& f : kFamilies) {
      if (f.name == name) out.push_back(&f);
    }
  }
  return out;
}

// The table's temporary file: removed unless committed (renamed over the target).
class PendingFile {
 public:
  explicit PendingFile(std::string path) : path_(std::move(path)), temp_(path_ + ".tmp") {
    file_ = std::fopen(temp_.c_str(), "w");
    if (file_ == nullptr) throw UsageError("--out: cannot write '" + temp_ + "'");
  }
  ~PendingFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) std::remove(temp_.c_str());
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  [[nodiscard]] std::FILE* get() const { return file_; }
  void commit() {
    const bool written = std::ferror(file_) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!written || !closed || std::rename(temp_.c_str(), path_.c_str()) != 0) {
      throw CalibrationError("cannot write '" + path_ + "'");
    }
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(const Options& o) {
  std::unique_ptr<PendingFile> out;
  if (!o.out.empty()) out = std::make_unique<PendingFile>(o.out);
  const GpuInfo gpu = query_gpu(o.gpu);
  const Provenance provenance = query_provenance(gpu, o.command);
  const std::string device = o.device_name.empty() ? default_device_name(gpu.name) : o.device_name;
  std::fprintf(
      stderr, "orrery-calibrate: %s (compute %d.%d, %d SMs, %s), driver %s, runtime %s, %s; device: %s\n",
      gpu.name.c_str(), gpu.major, gpu.minor, gpu.sms, format_bytes(gpu.memory_bytes).c_str(),
      provenance.driver.c_str(), provenance.cuda_runtime.c_str(), provenance.clocks.c_str(), device.c_str());
  const RunContext ctx{o, gpu, TimingPolicy{o.warmup, o.repetitions}};
  const std::vector<const Family*> families = selected(o);

  if (o.verify) {
    bool ok = true;
    for (const Family* f : families) {
      try {
        ok &= f->verify(ctx);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "verify %.*s: error: %s\n", static_cast<int>(f->name.size()), f->name.data(),
                     e.what());
        ok = false;
      }
    }
    if (!ok) {
      std::fprintf(stderr, "orrery-calibrate: verification FAILED; no table written\n");
      return 1;
    }
    std::fprintf(stderr, "orrery-calibrate: every kernel verified\n");
  }
  if (!out) return 0;

  // A family that fails (a CUDA error, say) ends with a comment saying why; the
  // others still run, the table is written, and the exit status is 1.
  std::vector<Section> sections;
  bool complete = true;
  for (const Family* f : families) {
    const auto start = std::chrono::steady_clock::now();
    sections.emplace_back(std::string(f->name));
    try {
      f->measure(ctx, sections.back());
    } catch (const std::exception& e) {
      sections.back().note(std::string("stopped: ") + e.what());
      std::fprintf(stderr, "orrery-calibrate: %.*s stopped: %s\n", static_cast<int>(f->name.size()),
                   f->name.data(), e.what());
      complete = false;
    }
    std::fprintf(stderr, "orrery-calibrate: %.*s: %zu rows in %.1f s\n", static_cast<int>(f->name.size()),
                 f->name.data(), sections.back().rows(), seconds_since(start));
  }
  write_table(out->get(), device, provenance, sections);
  out->commit();
  std::size_t skipped = 0;
  for (const Section& s : sections) skipped += s.skipped().size();
  std::fprintf(stderr, "orrery-calibrate: wrote %s%s", o.out.c_str(),
               complete ? "" : " (incomplete: see the 'stopped:' comments)");
  if (skipped > 0) std::fprintf(stderr, " (%zu shapes skipped: see 'skipped:')", skipped);
  std::fprintf(stderr, "\n");
  if (!complete) return 1;
  return skipped > 0 ? kExitSkipped : 0;
}

}  // namespace

}  // namespace orrery::models::calibration

int main(int argc, char** argv) {
  namespace cal = orrery::models::calibration;
  const std::vector<std::string_view> names = cal::family_names();
  try {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    const cal::Options options = cal::parse_options(argv[0], args, names);
    if (options.help) {
      std::fputs(cal::usage(names).c_str(), stdout);
      return 0;
    }
    return cal::run(options);
  } catch (const cal::UsageError& e) {
    std::fprintf(stderr, "orrery-calibrate: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orrery-calibrate: error: %s\n", e.what());
    return 1;
  }
}
