// SpMM family: cuSPARSE's generic SpMM, C = A B with A a square CSR matrix
// (rows = cols, 32-bit indices) and B, C dense row-major with n columns, in fp16
// (fp32 accumulation) and fp32, over rows 4096 to 65536 by octaves, densities
// 0.1 % to 10 % by half decades (nnz up to 2^26) and n 32 to 512 by octaves. Non-zeros are spread evenly: every row holds
// floor or ceil of nnz / rows of them, one per equal stretch of columns — the
// uniform-random case; power-law graphs run slower and would need their own rows.
// The comment gives 2 nnz n / time as FLOP/s. --verify compares with a dense
// product computed on the CPU from the same values.
#include <cusparse.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/dtype.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

namespace {

void check_cusparse(cusparseStatus_t status, const char* call, const char* file, int line) {
  if (status != CUSPARSE_STATUS_SUCCESS) {
    throw_call_error(call,
                     std::string(cusparseGetErrorName(status)) + " (" + cusparseGetErrorString(status) + ")",
                     file, line);
  }
}

#define ORRERY_CUSPARSE_CHECK(call) check_cusparse((call), #call, __FILE__, __LINE__)

struct Csr {
  int rows = 0;
  int cols = 0;
  std::vector<std::int32_t> offsets;
  std::vector<std::int32_t> columns;
  std::vector<float> values;
};

Csr random_csr(int rows, int cols, double density, std::uint64_t seed) {
  const auto total = static_cast<std::int64_t>(std::floor(density * rows * static_cast<double>(cols)));
  Csr a{rows, cols, {}, {}, {}};
  a.offsets.reserve(static_cast<std::size_t>(rows) + 1);
  a.columns.reserve(static_cast<std::size_t>(total));
  a.values.reserve(static_cast<std::size_t>(total));
  std::mt19937_64 rng(seed);
  a.offsets.push_back(0);
  for (int r = 0; r < rows; ++r) {
    const std::int64_t k = total / rows + (r < total % rows ? 1 : 0);
    for (std::int64_t j = 0; j < k; ++j) {
      const std::int64_t lo = j * cols / k;
      const std::int64_t hi = (j + 1) * cols / k;
      a.columns.push_back(static_cast<std::int32_t>(
          lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo))));
      a.values.push_back(static_cast<float>(rng() >> 40) * 0x1.0p-23f - 1.0f);  // [-1, 1)
    }
    a.offsets.push_back(static_cast<std::int32_t>(a.columns.size()));
  }
  return a;
}

cudaDataType_t value_type(Dtype d) {
  return d == Dtype::kFp16 ? CUDA_R_16F : CUDA_R_32F;
}

// A configured SpMM: the matrix on the device, descriptors and workspace.
class SpmmRun {
 public:
  SpmmRun(cusparseHandle_t handle, Dtype dtype, const Csr& a, int n)
      : handle_(handle),
        offsets_(a.offsets.size() * 4),
        columns_(a.columns.size() * 4),
        values_(a.values.size() * dtype_bytes(dtype)),
        b_(static_cast<std::size_t>(a.cols) * n * dtype_bytes(dtype)),
        c_(static_cast<std::size_t>(a.rows) * n * dtype_bytes(dtype)) {
    ORRERY_CUDA_CHECK(cudaMemcpy(offsets_.get(), a.offsets.data(), offsets_.bytes(), cudaMemcpyHostToDevice));
    ORRERY_CUDA_CHECK(cudaMemcpy(columns_.get(), a.columns.data(), columns_.bytes(), cudaMemcpyHostToDevice));
    from_host_floats(a.values, values_.get(), dtype);
    fill_uniform(b_.get(), static_cast<std::size_t>(a.cols) * n, dtype, 51);
    const cudaDataType_t t = value_type(dtype);
    ORRERY_CUSPARSE_CHECK(cusparseCreateCsr(
        &a_desc_, a.rows, a.cols, static_cast<std::int64_t>(a.values.size()), offsets_.get(), columns_.get(),
        values_.get(), CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, t));
    ORRERY_CUSPARSE_CHECK(cusparseCreateDnMat(&b_desc_, a.cols, n, n, b_.get(), t, CUSPARSE_ORDER_ROW));
    ORRERY_CUSPARSE_CHECK(cusparseCreateDnMat(&c_desc_, a.rows, n, n, c_.get(), t, CUSPARSE_ORDER_ROW));
    std::size_t bytes = 0;
    const cusparseStatus_t status = cusparseSpMM_bufferSize(
        handle_, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha_, a_desc_,
        b_desc_, &beta_, c_desc_, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, &bytes);
    // This cuSPARSE cannot do the combination: a note in the table, not an error.
    if (status == CUSPARSE_STATUS_NOT_SUPPORTED) {
      unsupported_ = "cuSPARSE SpMM: CUSPARSE_STATUS_NOT_SUPPORTED";
      return;
    }
    ORRERY_CUSPARSE_CHECK(status);
    workspace_ = DeviceBuffer(bytes);
  }
  ~SpmmRun() {
    cusparseDestroyDnMat(c_desc_);
    cusparseDestroyDnMat(b_desc_);
    cusparseDestroySpMat(a_desc_);
  }
  SpmmRun(const SpmmRun&) = delete;
  SpmmRun& operator=(const SpmmRun&) = delete;

  void run() const {
    ORRERY_CUSPARSE_CHECK(cusparseSpMM(handle_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                       CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha_, a_desc_, b_desc_, &beta_,
                                       c_desc_, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, workspace_.get()));
  }
  [[nodiscard]] bool supported() const { return unsupported_.empty(); }
  [[nodiscard]] const std::string& unsupported_reason() const { return unsupported_; }
  [[nodiscard]] const DeviceBuffer& b() const { return b_; }
  [[nodiscard]] const DeviceBuffer& c() const { return c_; }

 private:
  cusparseHandle_t handle_;
  DeviceBuffer offsets_, columns_, values_, b_, c_, workspace_;
  cusparseSpMatDescr_t a_desc_ = nullptr;
  cusparseDnMatDescr_t b_desc_ = nullptr;
  cusparseDnMatDescr_t c_desc_ = nullptr;
  float alpha_ = 1.0f;
  float beta_ = 0.0f;
  std::string unsupported_;
};

class SparseHandle {
 public:
  SparseHandle() { ORRERY_CUSPARSE_CHECK(cusparseCreate(&handle_)); }
  ~SparseHandle() { cusparseDestroy(handle_); }
  SparseHandle(const SparseHandle&) = delete;
  SparseHandle& operator=(const SparseHandle&) = delete;
  [[nodiscard]] cusparseHandle_t get() const { return handle_; }

 private:
  cusparseHandle_t handle_ = nullptr;
};

}  // namespace

void measure_spmm(const RunContext& ctx, Section& out) {
  std::vector<Dtype> dtypes{Dtype::kFp16, Dtype::kFp32};
  // Octaves of rows and n, half decades of density: the first H200 sweep
  // (steps of 4 in rows and n, decades of density) left the efficiency too far
  // from linear between its nodes for interpolation (leave-one-out median 27%).
  std::vector<int> sizes{4096, 8192, 16384, 32768, 65536};
  std::vector<double> densities{0.001, 0.00316, 0.01, 0.0316, 0.1};
  std::vector<int> ns{32, 64, 128, 256, 512};
  if (ctx.options.quick) {
    dtypes = {Dtype::kFp16};
    sizes = {16384};
    densities = {0.001, 0.01};
    ns = {64, 256};
  }
  constexpr double kMaxNnz = 67108864;  // 2^26: 768 MiB of CSR on the host and the GPU
  const SparseHandle handle;
  for (Dtype dtype : dtypes) {
    for (int rows : sizes) {
      for (double density : densities) {
        if (density * rows * static_cast<double>(rows) > kMaxNnz) continue;
        const Csr a = random_csr(rows, rows, density, 61);
        for (int n : ns) {
          const std::size_t bytes = a.values.size() * (4 + dtype_bytes(dtype)) +
                                    2 * static_cast<std::size_t>(rows) * n * dtype_bytes(dtype);
          const std::string what = std::string(dtype_name(dtype)) + " rows=" + std::to_string(rows) +
                                   " nnz=" + std::to_string(a.values.size()) + " n=" + std::to_string(n);
          if (!fits_in_device_memory(bytes)) {
            out.skip(what, "does not fit in free device memory");
            continue;
          }
          const SpmmRun spmm(handle.get(), dtype, a, n);
          if (!spmm.supported()) {
            out.skip(what, spmm.unsupported_reason());
            continue;
          }
          const double time = median_seconds(ctx.timing, [&] { spmm.run(); });
          const auto nnz = static_cast<std::int64_t>(a.values.size());
          Row row;
          row.add("dtype", dtype_name(dtype)).add("rows", std::int64_t{rows}).add("cols", std::int64_t{rows});
          row.add("nnz", nnz).add("n", std::int64_t{n}).add_time(time);
          row.comment(rate(2.0 * static_cast<double>(nnz) * n / time, "FLOP/s"));
          report_row("spmm", row);
          out.add(row);
        }
      }
    }
  }
}

bool verify_spmm(const RunContext&) {
  const SparseHandle handle;
  bool ok = true;
  constexpr int kRows = 300;
  constexpr int kCols = 200;
  constexpr int kN = 48;
  const Csr a = random_csr(kRows, kCols, 0.05, 71);
  for (Dtype dtype : {Dtype::kFp16, Dtype::kFp32}) {
    std::vector<float> dense(static_cast<std::size_t>(kRows) * kCols, 0.0f);
    for (int r = 0; r < kRows; ++r) {
      for (std::int32_t i = a.offsets[r]; i < a.offsets[r + 1]; ++i) {
        dense[static_cast<std::size_t>(r) * kCols + a.columns[i]] = round_to(dtype, a.values[i]);
      }
    }
    const SpmmRun spmm(handle.get(), dtype, a, kN);
    if (!spmm.supported()) {
      std::fprintf(stderr, "verify spmm %s: skipped, %s\n", std::string(dtype_name(dtype)).c_str(),
                   spmm.unsupported_reason().c_str());
      continue;
    }
    ORRERY_CUDA_CHECK(cudaMemset(spmm.c().get(), 0xff, spmm.c().bytes()));  // NaN until written
    spmm.run();
    ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> b = to_host_floats(spmm.b().get(), static_cast<std::size_t>(kCols) * kN, dtype);
    const std::vector<float> got =
        to_host_floats(spmm.c().get(), static_cast<std::size_t>(kRows) * kN, dtype);
    double error = 0;
    for (int r = 0; r < kRows; ++r) {
      for (int j = 0; j < kN; ++j) {
        double sum = 0;
        double size = 0;
        for (int c = 0; c < kCols; ++c) {
          const double p = static_cast<double>(dense[static_cast<std::size_t>(r) * kCols + c]) *
                           b[static_cast<std::size_t>(c) * kN + j];
          sum += p;
          size += std::abs(p);
        }
        track_worst(error, std::abs(got[static_cast<std::size_t>(r) * kN + j] - sum) / std::max(size, 1e-6));
      }
    }
    ok &= report_check(std::string("spmm ") + std::string(dtype_name(dtype)) +
                           " 300x200 density 0.05 n=48 (error / sum|ab|)",
                       error, dtype == Dtype::kFp16 ? 2e-3 : 1e-5);
  }
  return ok;
}

}  // namespace orrery::models::calibration
