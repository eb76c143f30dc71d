// Framework kernel sets (training.kernels). Eager PyTorch launches one kernel
// per memory-bound op of a transformer block — x + attn(ln_1(x)), then
// x + mlp(ln_2(x)) with a GELU or SwiGLU between the MLP's linear layers
// (torch.nn.LayerNorm, F.gelu, the residual `+`; nn.Linear's bias rides in its
// GEMM): per layer 2 norms, 2 adds and 1 activation forward, and backward each
// norm's and the activation's backward kernel plus the 2 adds that accumulate
// the residual gradients. The loss casts the logits to fp32 and runs cross
// entropy over them. Megatron's fused set launches none of these kernels as
// such: it moves the same bytes in fused kernels. The fused attention backward
// is one operation with 2.5 times the forward's FLOPs (Dao 2023: the scores
// recomputed, four more products) under both sets.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/scenario_support.hpp"
#include "workloads/training/training_layer_ops.hpp"

namespace orrery::kernel_sets_test {
namespace {

namespace tr = workload::training;
using task::LayerKernel;

tr::TrainingParams gpt(tr::KernelSet set) {
  tr::TrainingParams p;
  p.model.layers = 2;
  p.model.hidden = 1024;
  p.model.heads = 16;
  p.model.kv_heads = 16;
  p.model.ffn_hidden = 4096;
  p.model.vocab = 51200;
  p.model.seq_len = 2048;
  p.micro_batch = 4;
  p.kernels = set;
  return p;
}

// (kernel, backward) -> how many of them `ops` holds.
std::map<std::pair<LayerKernel, bool>, int> count(const std::vector<task::Operation>& ops) {
  std::map<std::pair<LayerKernel, bool>, int> out;
  for (const auto& op : ops)
    if (const auto* l = std::get_if<task::LayerOp>(&op)) ++out[{l->kernel, l->backward}];
  return out;
}

TEST(KernelSets, EagerLaunchesOneKernelPerOp) {
  const tr::LayerOps L = tr::layer_ops(gpt(tr::KernelSet::kEager));
  const auto f = count(L.f.ops);
  EXPECT_EQ(f.at({LayerKernel::kLayerNorm, false}), 2);
  EXPECT_EQ(f.at({LayerKernel::kAdd, false}), 2);
  EXPECT_EQ(f.at({LayerKernel::kGeluTanh, false}), 1);
  EXPECT_EQ(f.size(), 3u);
  const auto b = count(L.b.ops);
  EXPECT_EQ(b.at({LayerKernel::kLayerNorm, true}), 2);
  EXPECT_EQ(b.at({LayerKernel::kAdd, false}), 2);  // the residual gradients accumulated
  EXPECT_EQ(b.at({LayerKernel::kGeluTanh, true}), 1);
  EXPECT_EQ(b.size(), 3u);
  // Each norm and add covers the 8,192 tokens × 1,024 of the block's stream.
  for (const auto& op : L.f.ops) {
    if (const auto* l = std::get_if<task::LayerOp>(&op); l && l->kernel != LayerKernel::kGeluTanh) {
      EXPECT_EQ(l->tokens, 4 * 2048);
      EXPECT_EQ(l->width, 1024);
    }
  }
}

TEST(KernelSets, LlamaBlocksRunRmsNormAndSwiGlu) {
  tr::TrainingParams p = gpt(tr::KernelSet::kEager);
  p.model.norm = tr::Norm::kRmsNorm;
  p.model.mlp = tr::Mlp::kSwiglu;
  const auto f = count(tr::layer_ops(p).f.ops);
  EXPECT_EQ(f.at({LayerKernel::kRmsNorm, false}), 2);
  EXPECT_EQ(f.at({LayerKernel::kSwiGlu, false}), 1);
  EXPECT_FALSE(f.contains({LayerKernel::kLayerNorm, false}));
}

TEST(KernelSets, MegatronFusesThem) {
  const tr::LayerOps L = tr::layer_ops(gpt(tr::KernelSet::kMegatron));
  EXPECT_TRUE(count(L.f.ops).empty());
  EXPECT_TRUE(count(L.b.ops).empty());
}

TEST(KernelSets, TheAttentionBackwardIsOneOperationOfTwoAndAHalfForwards) {
  for (const auto set : {tr::KernelSet::kMegatron, tr::KernelSet::kEager}) {
    const tr::LayerOps L = tr::layer_ops(gpt(set));
    const task::Attention* forward = nullptr;
    const task::Attention* backward = nullptr;
    for (const auto& op : L.f.ops)
      if (const auto* a = std::get_if<task::Attention>(&op)) forward = a;
    int backwards = 0;
    for (const auto& op : L.b.ops) {
      if (const auto* a = std::get_if<task::Attention>(&op)) {
        backward = a;
        ++backwards;
      }
    }
    ASSERT_NE(forward, nullptr);
    ASSERT_NE(backward, nullptr);
    EXPECT_EQ(backwards, 1);
    EXPECT_TRUE(backward->backward);
    EXPECT_DOUBLE_EQ(task::work_of(*backward).flops, 2.5 * task::work_of(*forward).flops);
  }
}

TEST(KernelSets, BadValueIsLocated) {
  EXPECT_EQ(test::error_of(test::a100(1, "layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: 128", "dp: 8",
                                      "global_batch: 8, kernels: jax")),
            // line 12 of the text (it opens with a newline), column 41: the value
            "s.yaml:12:41: error: workload.training.kernels: unknown value 'jax'; valid: megatron, eager");
}

}  // namespace
}  // namespace orrery::kernel_sets_test
