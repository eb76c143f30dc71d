#include "workloads/training/training.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/core/error.hpp"

namespace orrery::workload::training {

namespace {

const std::vector<std::string> kPrecisions{"bf16", "fp16", "fp8"};
const std::vector<std::string> kGradients{"fp32", "bf16", "fp16"};
const std::vector<std::string> kAttentions{"flash", "unfused"};
const std::vector<std::string> kKernelSets{"megatron", "eager"};
// In the order of their enums (GradReduce, GradAccumulation): named() maps one to the other.
const std::vector<std::string> kGradReduce{"after_backward", "per_chunk", "overlap"};
const std::vector<std::string> kGradAccumulation{"fused", "buffer", "autograd"};
template <class Enum>
Enum named(const std::vector<std::string>& names, const std::string& value) {
  return static_cast<Enum>(std::find(names.begin(), names.end(), value) - names.begin());
}

DType dtype_named(const std::string& s) {
  if (s == "fp16") return DType::kFp16;
  if (s == "fp8") return DType::kFp8;
  if (s == "fp32") return DType::kFp32;
  return DType::kBf16;
}

Offload offload_named(const std::string& s) { return s == "cpu" ? Offload::kCpu : s == "nvme" ? Offload::kNvme : Offload::kNone; }

}  // namespace

void TrainingParams::check_batch() {
  TrainingParams& p = *this;
  const TransformerSpec& m = p.model;
  const auto check = [&](bool ok, const std::string& key, const std::string& message) {
    if (!ok) throw ConfigError(p.at[key], "workload." + key, message);
  };
  const std::int64_t vstages = std::int64_t{plan.pp} * plan.vpp;
  check(p.global_batch % (p.micro_batch * plan.dp) == 0, "training.global_batch",
          fmt::format("global batch {} is not a multiple of micro_batch {} × dp {} = {}", p.global_batch, p.micro_batch,
                      plan.dp, p.micro_batch * plan.dp));
  // Sizes whose products the lowering forms in 64-bit integers (tokens ×
  // hidden × vocabulary for the output layer, tokens × hidden × seq_len for
  // attention) stay below 2^62; the graph stays below limits.tasks tasks.
  const double tokens = static_cast<double>(p.micro_batch) * static_cast<double>(m.seq_len);
  const double product = tokens * static_cast<double>(m.hidden) *
                         static_cast<double>(std::max({m.vocab, m.ffn_hidden, m.seq_len}));
  check(product <= 0x1p62, "training.micro_batch",
        fmt::format("micro_batch {} × seq_len {} tokens × hidden {} × max(vocab, ffn_hidden, seq_len) {} = {:.3g} "
                    "is more than the 2^62 orrery's sizes are computed in",
                    p.micro_batch, m.seq_len, m.hidden, std::max({m.vocab, m.ffn_hidden, m.seq_len}), product));
  if (p.global_batch % (p.micro_batch * plan.dp) == 0) {
    // Each replica runs F, B (and W) of every micro-batch on every virtual stage.
    const double tasks = static_cast<double>(plan.dp) * static_cast<double>(p.micro_batches()) *
                         static_cast<double>(vstages) * 3;
    check(tasks <= max_tasks, "training.global_batch",
          fmt::format("dp {} × {} micro-batches × {} model chunks × 3 passes = {:.3g} tasks, more than limits.tasks "
                      "= {:.3g} (about 150 bytes each); lower global_batch, raise micro_batch, or raise the limit "
                      "deliberately (--max-tasks N)",
                      plan.dp, p.micro_batches(), vstages, tasks, max_tasks));
    const std::string chunks = p.schedule->check_chunks(plan.vpp, "vpp");
    check(chunks.empty(), "parallel.vpp", chunks);
    const std::string why = p.schedule->check(PipelineShape{plan.pp, static_cast<int>(p.micro_batches()), plan.vpp});
    check(why.empty(), "training.global_batch",
            fmt::format("{} micro-batches ({} / ({} × dp {})): {}", p.micro_batches(), p.global_batch, p.micro_batch,
                        plan.dp, why));
  }
}

TrainingParams TrainingParams::read(config::Reader& r, const ScheduleRegistry& schedules) {
  TrainingParams p;
  p.max_tasks = r.limits().tasks;
  p.layers_at = r.where("model");
  r.section("model", "the transformer", true, [&](config::Reader& m) { p.model = TransformerSpec::read(m); });
  p.plan_at = r.where("parallel");
  r.section("parallel", "how the model is split over the devices", false, [&](config::Reader& m) {
    p.plan = ParallelPlan::read(m);
    for (const char* k : {"pp", "tp", "cp", "ep", "vpp", "dp"}) p.at[std::string("parallel.") + k] = m.where(k);
  });
  r.section("training", "batch, schedule, ZeRO, offload, recompute, precision", true, [&](config::Reader& t) {
    p.batch_at = t.where("global_batch");
    p.at["training.global_batch"] = p.batch_at;
    p.at["training.micro_batch"] = t.where("micro_batch");
    p.global_batch = t.required<std::int64_t>("global_batch", "sequences per iteration, all replicas together");
    p.micro_batch = t.optional<std::int64_t>("micro_batch", 1, "sequences per micro-batch");
    const std::string fallback = p.plan.vpp > 1 ? "interleaved_1f1b" : "1f1b";
    p.schedule = schedules.lookup(t, "schedule", fallback, "pipeline schedule (see `orrery list`)").read(t);
    p.post_validation = read_post_validation(t, *p.schedule);
    p.synchronous_sends = read_synchronous_sends(t, *p.schedule);
    p.zero_stage = t.optional<int>("zero_stage", 0, "ZeRO stage 0-3 (Rajbhandari et al. SC20) over the data-parallel ranks");
    p.distributed_optimizer = t.optional<bool>(
        "distributed_optimizer", false, "Megatron's distributed optimizer: optimizer states sharded over dp (as ZeRO-1)");
    p.at["training.offload"] = t.where("offload");
    p.offload = offload_named(t.choice("offload", kOffloadNames, "none",
                                       "where the optimizer states and step live: none (device), cpu (ZeRO-Offload), "
                                       "nvme (ZeRO-Infinity); needs cluster.host"));
    p.offload_params = offload_named(t.choice("offload_params", kOffloadNames, "none",
                                              "where the parameters live between uses (ZeRO-Infinity; ZeRO stage 3 only)"));
    const auto rc = t.choice("recompute", kRecomputeNames, "none", "activation recomputation (Korthikanti et al. 2022)");
    p.recompute = rc == "full" ? Recompute::kFull : rc == "selective" ? Recompute::kSelective : Recompute::kNone;
    p.at["training.precision"] = t.where("precision");
    p.precision = dtype_named(t.choice("precision", kPrecisions, "bf16", "precision of weights, activations and GEMMs"));
    t.section("weights",
              "quantization-aware training and sparse feed-forward layers: the weights' stored format, one type or "
              "one per layer (workloads/weight_format.hpp)",
              false, [&](config::Reader& w) { p.weights = WeightFormat::read(w, p.model.layers, p.precision); });
    p.gradient_precision = dtype_named(t.choice(
        "gradient_precision", kGradients, "fp32",
        "gradients as accumulated and reduced: fp32 (Megatron's main gradients: 18 bytes of model state per "
        "parameter) or 16-bit (ZeRO's 16 bytes)"));
    p.master_weights = t.optional<bool>(
        "master_weights", true,
        "keep an fp32 master copy of the weights for the optimizer (false: the 16-bit weights are updated in place)");
    p.optimizer_precision = dtype_named(t.choice("optimizer_precision", kGradients, "fp32",
                                                 "Adam's momentum and variance: fp32 (ZeRO's K = 12 with the master "
                                                 "weights) or 16-bit"));
    p.attention = t.choice("attention", kAttentions, "flash",
                           "attention kernel: flash (fused, scores never stored) or unfused (Megatron-LM 2022: "
                           "batched GEMMs, softmax and dropout over stored scores)") == "unfused"
                      ? AttentionKernel::kUnfused
                      : AttentionKernel::kFlash;
    p.kernels = t.choice("kernels", kKernelSets, "megatron",
                         "the framework's kernel set: megatron (fused norm, bias+activation, bias-dropout-add, "
                         "vocabulary-parallel loss) or eager (PyTorch: one kernel per op, fp32 logits for the loss, "
                         "priced by the calibration's layer rows)") == "eager"
                    ? KernelSet::kEager
                    : KernelSet::kMegatron;
    p.grad_accumulation = named<GradAccumulation>(kGradAccumulation, t.choice(
        "grad_accumulation", kGradAccumulation, p.kernels == KernelSet::kEager ? "autograd" : "fused",
        "how each micro-batch's weight gradients join the iteration's: fused (the weight-gradient GEMM accumulates "
        "into the main gradient, Megatron-LM since 2022; the default under kernels=megatron), buffer (a separate "
        "main_grad.add_ into Megatron's contiguous fp32 or 16-bit buffer, every micro-batch) or autograd (PyTorch "
        "accumulates into param.grad in place, every micro-batch but the first: torch DDP, 2021's local DDP "
        "without buffers, DeepSpeed; the default under kernels=eager)"));
    p.scatter_gather = t.optional<bool>(
        "scatter_gather", true,
        "Megatron's scatter/gather of pipeline sends: each tp rank sends 1/tp, then an all-gather inside the node");
    p.grad_reduce = named<GradReduce>(kGradReduce,
        t.choice("grad_reduce", kGradReduce, "after_backward",
                 "when a stage's data-parallel gradient buckets start (without ZeRO-2/3): after_backward (Megatron-LM "
                 "without --overlap-grad-reduce, and 2021's local DDP: once the stage's whole backward is done, "
                 "chunk after chunk), per_chunk (each model chunk's as soon as its own last backward ends, "
                 "overlapping the other chunks' backward; the same without interleaving) or overlap (each bucket as "
                 "soon as its gradients are ready in the chunk's last backward: torch DDP, Megatron-Core's "
                 "--overlap-grad-reduce)"));
    p.at["training.vocab_parallel"] = t.where("vocab_parallel");
    p.vocab_parallel = t.optional<bool>(
        "vocab_parallel", false,
        "split the output layer over all pipeline stages (Yeung et al. 2024, vocabulary parallelism)");
    p.check_memory = t.optional<bool>(
        "check_memory", true, "end the run with exit 1 when a device exceeds its memory; false: report only");
    p.bucket_size = t.optional<Bytes>("bucket_size", Bytes(160'000'000),
                                      "data-parallel gradient bucket (Megatron: 40M fp32 elements)");
    t.check(p.global_batch >= 1, "global_batch", "must be at least 1");
    t.check(p.micro_batch >= 1, "micro_batch", "must be at least 1");
    // Caps so that batch × dp products cannot overflow (a trillion sequences).
    t.check(p.global_batch <= std::int64_t{1} << 40, "global_batch", "is more than orrery's cap of 2^40 sequences");
    t.check(p.micro_batch <= p.global_batch, "micro_batch",
            fmt::format("{} is more than global_batch {}", p.micro_batch, p.global_batch));
    t.check(p.zero_stage >= 0 && p.zero_stage <= 3, "zero_stage", fmt::format("must be 0, 1, 2 or 3, got {}", p.zero_stage));
    t.check(p.bucket_size > Bytes(0), "bucket_size", "must be positive");
    t.check(p.grad_reduce != GradReduce::kOverlap || !p.schedule->splits_backward(), "grad_reduce",
            fmt::format("overlap reduces each bucket as the last backward produces it; schedule '{}' computes the "
                        "weight gradients in W, which this does not model: use after_backward",
                        p.schedule->name()));
    t.check(p.offload_params == Offload::kNone || p.zero_stage == 3, "offload_params",
            fmt::format("parameter offload needs zero_stage 3, got {}", p.zero_stage));
    t.check(!(p.distributed_optimizer && p.zero_stage > 0), "distributed_optimizer",
            fmt::format("Megatron's distributed optimizer and ZeRO stage {} both shard the optimizer; choose one",
                        p.zero_stage));
  });
  p.device_at = r.where("compute");  // the workload mapping when the section is absent
  r.section("compute", "how long operations take", false, [&](config::Reader& c) {
    if (c.has("model")) p.device_at = c.where("model");
    const std::vector<std::string> models{"device", "profiled"};
    p.profiled = c.choice("model", models, "device",
                          "device: every operation priced by the cluster's device model; profiled: measured "
                          "per-stage times") == "profiled";
    using Times = config::OneOrList<Duration>;
    const auto times = [&](const char* key, const char* help) -> std::vector<Duration> {
      const auto v = c.maybe<Times>(key, help);
      if (c.describing()) return {};
      if (!p.profiled) {
        c.check(!v.has_value(), key, "is for `model: profiled` only");
        return {};
      }
      std::vector<Duration> out = v ? v->values : std::vector<Duration>{Duration{}};
      for (Duration d : out) c.check(d >= Duration{}, key, "times must not be negative");
      c.check(out.size() == 1 || static_cast<int>(out.size()) == p.plan.pp, key,
              fmt::format("gives {} times for {} pipeline stages; give one, or one per stage", out.size(), p.plan.pp));
      return out;
    };
    p.forward = times("forward", "profiled: T_F, one micro-batch through a whole stage (one, or a list per stage)");
    p.backward = times("backward", "profiled: T_B, the input gradient (the whole backward when the schedule fuses it)");
    p.weight = times("weight", "profiled: T_W, the weight gradient (added to T_B when the schedule fuses them)");
    p.comm = times("comm", "profiled: T_comm, one stage-to-stage send of activations or gradients");
    if (p.profiled && !c.describing()) {
      c.check(c.maybe<Times>("forward", "").has_value(), "forward", "`model: profiled` needs forward (T_F) times");
    }
  });
  if (r.describing()) return p;

  // The plan against the model and the schedule, with the numbers.
  const TransformerSpec& m = p.model;
  const ParallelPlan& plan = p.plan;
  const auto check = [&](bool ok, const std::string& key, const std::string& message) {
    if (!ok) throw ConfigError(p.at[key], "workload." + key, message);
  };
  const std::int64_t vstages = std::int64_t{plan.pp} * plan.vpp;
  check(m.layers % vstages == 0, "parallel.pp",
          fmt::format("{} layers do not split evenly over pp {} × vpp {} = {} model chunks", m.layers, plan.pp, plan.vpp,
                      vstages));
  check(m.heads % plan.tp == 0, "parallel.tp", fmt::format("tp {} must divide heads {}", plan.tp, m.heads));
  check(m.ffn_hidden % plan.tp == 0, "parallel.tp", fmt::format("tp {} must divide ffn_hidden {}", plan.tp, m.ffn_hidden));
  check(m.expert_ffn() % plan.tp == 0, "parallel.tp",
        fmt::format("tp {} must divide an expert's width, moe_ffn_hidden {}", plan.tp, m.expert_ffn()));
  check(m.seq_len % plan.cp == 0, "parallel.cp", fmt::format("cp {} must divide seq_len {}", plan.cp, m.seq_len));
  p.at.try_emplace("training.vocab_parallel", p.batch_at);
  check(!p.vocab_parallel || plan.pp > 1, "training.vocab_parallel",
        "vocabulary parallelism splits the output layer over pipeline stages; it needs pp > 1");
  check(m.experts % plan.ep == 0, "parallel.ep", fmt::format("ep {} must divide experts {}", plan.ep, m.experts));
  if (!plan.auto_dp()) p.check_batch();
  return p;
}

Workload::Fitted TrainingWorkload::fit_devices(int devices) const {
  if (!p_.plan.auto_dp()) return {};
  TrainingParams p = p_;
  const std::int64_t others = std::int64_t{p.plan.tp} * p.plan.pp * p.plan.cp;
  if (devices % others != 0) {
    throw ConfigError(p.at["parallel.dp"], "workload.parallel.dp",
                      fmt::format("auto: the cluster's {} devices are not a multiple of tp {} × pp {} × cp {} = {}",
                                  devices, p.plan.tp, p.plan.pp, p.plan.cp, others));
  }
  p.plan.dp = static_cast<int>(devices / others);
  if (p.plan.dp % p.plan.ep != 0) {
    throw ConfigError(p.at["parallel.ep"], "workload.parallel.ep",
                      fmt::format("ep {} must divide dp {} (dp: auto, {} devices / {})", p.plan.ep, p.plan.dp, devices,
                                  others));
  }
  p.check_batch();
  return {std::make_shared<TrainingWorkload>(std::move(p)), {{"parallel.dp", static_cast<int>(devices / others)}}};
}

int TrainingWorkload::position_of(int chunk, int stage) const {
  for (int i = 0; i < p_.plan.pp; ++i) {
    if (p_.schedule->device_of(chunk, i, p_.plan.pp) == stage) return i;
  }
  throw std::logic_error(fmt::format("schedule '{}' puts no position of chunk {} on stage {}", p_.schedule->name(), chunk, stage));
}

ModelStateBytes TrainingWorkload::model_state(int stage, bool offload) const {
  return model_state(stage, stage_costs(), offload);
}

ModelStateBytes TrainingWorkload::model_state(int stage, const std::vector<VirtualStageCost>& costs,
                                              bool offload) const {
  const ParallelPlan& plan = p_.plan;
  double params = 0;
  for (int c = 0; c < plan.vpp; ++c) params += costs[static_cast<std::size_t>(c * plan.pp + position_of(c, stage))].parameters;
  ZeroShape z;
  z.stage = p_.zero_stage > 0 ? p_.zero_stage : (p_.distributed_optimizer ? 1 : 0);
  z.ranks = plan.dp * plan.cp;
  z.weight_bytes = p_.weight_bytes();
  z.gradient_bytes = bytes_per_element(p_.gradient_precision);
  z.optimizer_bytes = p_.optimizer_state_bytes();
  z.offload_optimizer = offload && p_.offload != Offload::kNone;
  z.offload_parameters = offload && p_.offload_params != Offload::kNone;
  return model_state_bytes(params, z);
}

}  // namespace orrery::workload::training
