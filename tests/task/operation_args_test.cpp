// `orrery cost`'s operation words: key=value parsing, defaults, and the
// messages for unknown operations, keys and values.
#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "sim/task/operation_args.hpp"

namespace orrery::task {
namespace {

std::string error_of(std::string_view kind, std::vector<std::string> args) {
  try {
    (void)parse_operation(kind, args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OperationArgs, ParsesAGemmWithDefaults) {
  const Operation op = parse_operation("gemm", std::vector<std::string>{"m=8192", "n=1024", "k=4096"});
  const auto& g = std::get<Gemm>(op);
  EXPECT_EQ(g.m, 8192);
  EXPECT_EQ(g.n, 1024);
  EXPECT_EQ(g.k, 4096);
  EXPECT_EQ(g.batch, 1);
  EXPECT_EQ(g.dtype, DType::kBf16);
  EXPECT_EQ(name_of(op), "gemm");
}

TEST(OperationArgs, ParsesListsSizesAndFlags) {
  const auto q = std::get<QuantGemm>(parse_operation(
      "quant_gemm", std::vector<std::string>{"m=16", "n=4096", "k=4096", "weights=int4,int8,int4"}));
  EXPECT_EQ(q.weights, (std::vector<DType>{DType::kInt4, DType::kInt8, DType::kInt4}));
  const auto e = std::get<Elementwise>(parse_operation("softmax", std::vector<std::string>{"bytes=2GiB"}));
  EXPECT_EQ(e.kind, PointwiseKind::kSoftmax);
  EXPECT_EQ(e.bytes, 2LL << 30);
  const auto a = std::get<Attention>(
      parse_operation("attention", std::vector<std::string>{"heads=32", "seq=8192", "causal=true"}));
  EXPECT_TRUE(a.causal);
  EXPECT_EQ(a.kv_heads, 32);  // 0 means as many as heads
}

TEST(OperationArgsInvalid, UnknownOperationListsTheValidOnes) {
  EXPECT_EQ(
      error_of("gem", {}),
      "error: unknown operation 'gem'; did you mean 'gemm'?; valid: attention, cached_attention, elementwise, embedding, gemm, "
      "hashgrid, ivfpq, layer, mlp, neural_field, norm, optimizer_step, quant_gemm, sddmm, softmax, spmm, vocab_projection");
}

TEST(OperationArgsInvalid, KeysAndValues) {
  EXPECT_EQ(
      error_of("gemm", {"m=8192", "n=8192", "k=8192", "dtyp=bf16"}),
      "dtyp=bf16: error: gemm: unknown key 'dtyp'; did you mean 'dtype'?; valid: m, n, k, batch, dtype, accumulate");
  EXPECT_EQ(error_of("gemm", {"m=8192", "n=8192"}),
            "error: gemm: missing required key 'k' (the reduction dimension); keys: m, n, k, batch, dtype, accumulate");
  EXPECT_EQ(error_of("gemm", {"m=8k", "n=8192", "k=8192"}),
            "m=8k: error: gemm.m: expected an integer, found '8k'");
  EXPECT_EQ(error_of("gemm", {"m=0", "n=8192", "k=8192"}), "m=0: error: gemm.m: must be at least 1, got 0");
  EXPECT_EQ(error_of("gemm", {"m=1", "n=1", "k=1", "dtype=bf61"}),
            "dtype=bf61: error: gemm.dtype: unknown dtype 'bf61'; did you mean 'bf16'?; valid: fp64, fp32, "
            "tf32, bf16, "
            "fp16, fp8, int8, int4, int3, int2");
  EXPECT_EQ(error_of("gemm", {"m8192"}), "error: gemm: 'm8192' is not key=value (e.g. m=8192)");
  EXPECT_EQ(error_of("gemm", {"m=1", "m=2"}), "m=2: error: gemm: key 'm' given twice");
  EXPECT_EQ(
      error_of("softmax", {"bytes=2 GB/s"}),
      "bytes=2 GB/s: error: softmax.bytes: cannot read '2 GB/s' as a size in bytes: unknown unit 'GB/s' "
      "(valid: B, kB, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB); expected e.g. \"80 GiB\"");
  EXPECT_EQ(error_of("spmm", {"rows=4", "cols=4", "nnz=17", "n=8"}),
            "error: spmm: nnz 17 exceeds rows × cols = 16");
}

TEST(OperationArgs, HelpNamesEveryKind) {
  const std::string help = operation_help();
  for (const auto& k : operation_kinds()) EXPECT_NE(help.find("  " + k + " "), std::string::npos) << k;
}

}  // namespace
}  // namespace orrery::task
