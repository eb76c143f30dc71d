// What the run's policies and recording ask of a training job: which devices
// mirror a lockstep group's lead, one data-parallel replica's devices, the
// model-state bytes each device checkpoints, and K-FAC's work for bubble filling.
#include <fmt/format.h>

#include <algorithm>

#include "workloads/training/training.hpp"

namespace orrery::workload::training {

std::vector<std::pair<DeviceId, DeviceId>> TrainingWorkload::memory_mirrors(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<std::pair<DeviceId, DeviceId>> out;
  for (int pp = 0; pp < plan.pp; ++pp) {
    for (int dp = 0; dp < plan.dp; ++dp) {
      const DeviceId lead = plan.device(Coord{0, 0, dp, pp});
      for (int cp = 0; cp < plan.cp; ++cp) {
        for (int tp = 0; tp < plan.tp; ++tp) {
          const DeviceId d = plan.device(Coord{tp, cp, dp, pp});
          if (d != lead && d.value() < cluster.devices) out.emplace_back(d, lead);
        }
      }
    }
  }
  return out;
}

std::vector<DeviceId> TrainingWorkload::replica_devices(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<DeviceId> out;
  for (int pp = 0; pp < plan.pp; ++pp) {
    for (int cp = 0; cp < plan.cp; ++cp) {
      for (int tp = 0; tp < plan.tp; ++tp) {
        const DeviceId d = plan.device(Coord{tp, cp, 0, pp});
        if (d.value() < cluster.devices) out.push_back(d);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](DeviceId a, DeviceId b) { return a.value() < b.value(); });
  return out;
}

// Each device writes the states no other device holds: data- and
// context-parallel replicas hold the same weights (and, unsharded, the same
// optimizer states), so only the first replica writes those; what ZeRO (or the
// distributed optimizer) shards, every replica writes its own share of.
std::vector<std::int64_t> TrainingWorkload::checkpoint_bytes(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<std::int64_t> out(static_cast<std::size_t>(cluster.devices), 0);
  const bool weights_sharded = p_.zero_stage >= 3;
  const bool optimizer_sharded = p_.zero_stage >= 1 || p_.distributed_optimizer;
  const std::vector<VirtualStageCost> costs = stage_costs();  // once: each stage's state reads them
  for (int pp = 0; pp < plan.pp; ++pp) {
    // Offloaded states are checkpointed too (from the host): counted as if on the device.
    const ModelStateBytes m = model_state(pp, costs, false);
    for (int dp = 0; dp < plan.dp; ++dp) {
      for (int cp = 0; cp < plan.cp; ++cp) {
        const bool first = dp == 0 && cp == 0;
        const double bytes = (weights_sharded || first ? m.weights : 0.0) + (optimizer_sharded || first ? m.optimizer : 0.0);
        for (int tp = 0; tp < plan.tp; ++tp) {
          const DeviceId d = plan.device(Coord{tp, cp, dp, pp});
          if (d.value() < cluster.devices) out[static_cast<std::size_t>(d.value())] = static_cast<std::int64_t>(bytes);
        }
      }
    }
  }
  return out;
}

// PipeFisher (Osawa et al. 2023) per linear layer (d_in → d_out, as split by
// tp): the factors A = a·aᵀ over the iteration's tokens (a d_in × d_in × tokens
// GEMM) and G = g·gᵀ (d_out × d_out × tokens), their inverses in fp32 (priced
// as a d×d×d GEMM each: Cholesky and triangular inverse together ≈ d³ FLOPs),
// and the preconditioning G⁻¹·∇W·A⁻¹ every step (two GEMMs, fp32).
std::vector<std::pair<DeviceId, std::vector<FillerWork>>> TrainingWorkload::kfac_work(const ClusterShape& cluster) const {
  std::vector<std::pair<DeviceId, std::vector<FillerWork>>> out;
  if (!cluster.device) return out;
  const TransformerSpec& m = p_.model;
  const ParallelPlan& plan = p_.plan;
  const std::int64_t t = plan.tp;
  const std::int64_t tokens = p_.micro_batch * (m.seq_len / plan.cp) * p_.micro_batches();
  const std::int64_t layers = m.layers / plan.pp;
  const std::int64_t h = m.hidden;
  struct Linear {
    const char* name;
    std::int64_t in, out;
  };
  const std::vector<Linear> linears{{"qkv", h, (h + 2 * m.kv_dim()) / t},
                                    {"proj", h / t, h},
                                    {"fc1", h, m.ffn_hidden / t},
                                    {"fc2", m.ffn_hidden / t, h}};
  const auto gemm = [](std::int64_t a, std::int64_t b, std::int64_t c, DType dt) -> Operation {
    return Gemm{a, b, c, 1, dt};
  };
  std::vector<FillerWork> every_step, refresh;
  for (std::int64_t l = 0; l < layers; ++l) {
    for (const Linear& x : linears) {
      const std::string tag = fmt::format("layer {} {}", l, x.name);
      every_step.push_back({"kfac precondition " + tag,
                            {gemm(x.out, x.in, x.in, DType::kFp32), gemm(x.out, x.in, x.out, DType::kFp32)}, false});
      refresh.push_back({"kfac factor A " + tag, {gemm(x.in, x.in, tokens, p_.precision)}, true});
      refresh.push_back({"kfac factor G " + tag, {gemm(x.out, x.out, tokens, p_.precision)}, true});
      refresh.push_back({"kfac inverse A " + tag, {gemm(x.in, x.in, x.in, DType::kFp32)}, true});
      refresh.push_back({"kfac inverse G " + tag, {gemm(x.out, x.out, x.out, DType::kFp32)}, true});
    }
  }
  std::vector<FillerWork> all = every_step;
  all.insert(all.end(), refresh.begin(), refresh.end());
  for (int s = 0; s < plan.pp; ++s) out.emplace_back(plan.device(Coord{0, 0, 0, s}), all);
  return out;
}

}  // namespace orrery::workload::training
