// Layer family: the memory-bound kernels of a transformer layer as eager
// frameworks launch them (layer_kernels.hpp: LayerNorm, RMSNorm, tanh-GELU,
// SwiGLU, residual add, cross entropy over fp32 logits, embedding, fused Adam)
// over tokens × width, forward and — timed alone, after one forward has saved
// what it needs — backward. Cross entropy's width is the vocabulary (32,000 to
// 128,256); Adam's tokens × width is the parameter count. Each row's comment is
// the achieved rate of the minimal bytes of sim/task/layer_bytes.hpp,
// the B the cost model divides by time × bandwidth. A shape that does not fit
// is skipped; the rest of the family goes on.
#include <cstdio>
#include <string>
#include <vector>

#include "models/calibration/cuda/family.hpp"
#include "models/calibration/cuda/layer_case.hpp"
#include "sim/task/layer_bytes.hpp"

namespace orrery::models::calibration {

namespace {

struct Grid {
  std::vector<int> tokens, widths;
};

Grid grid_for(LayerOp op, bool quick) {
  if (op == LayerOp::kCrossEntropy) {
    return quick ? Grid{{4096}, {51200}} : Grid{{2048, 4096, 8192}, {32000, 51200, 128256}};
  }
  return quick ? Grid{{4096}, {1024, 8192}}
               : Grid{{1024, 4096, 16384}, {1024, 2048, 4096, 8192, 16384, 32768}};
}

std::string shape_text(LayerOp op, bool backward, int tokens, int width) {
  return std::string(layer_op_name(op)) + (backward ? " backward" : " forward") +
         " tokens=" + std::to_string(tokens) + " width=" + std::to_string(width);
}

void add_row(Section& out, LayerOp op, bool backward, int tokens, int width, double seconds) {
  const double s = layer_op_fp32(op) ? 4 : 2;
  const double bytes = task::layer_min_bytes(layer_op_name(op), backward, s, tokens, width);
  Row row;
  row.add("kernel", layer_op_name(op))
      .add("pass", backward ? "backward" : "forward")
      .add("dtype", layer_op_fp32(op) ? "fp32" : "bf16")
      .add("tokens", std::int64_t{tokens})
      .add("width", std::int64_t{width})
      .add_time(seconds)
      .comment(rate(bytes / seconds, "B/s"));
  report_row("layer", row);
  out.add(row);
}

}  // namespace

void measure_layer(const RunContext& ctx, Section& out) {
  std::uint64_t seed = 31;
  for (LayerOp op : kLayerOps) {
    const Grid g = grid_for(op, ctx.options.quick);
    for (int tokens : g.tokens) {
      for (int width : g.widths) {
        if (!fits_in_device_memory(layer_case_bytes(op, tokens, width))) {
          out.skip(shape_text(op, false, tokens, width), "does not fit in free device memory");
          continue;
        }
        const auto c = make_layer_case(op, tokens, width, seed += 16);
        add_row(out, op, false, tokens, width, median_seconds(ctx.timing, c->forward));
        if (!c->backward) continue;
        c->forward();  // what the backward reads
        add_row(out, op, true, tokens, width, median_seconds(ctx.timing, c->backward));
      }
    }
  }
}

}  // namespace orrery::models::calibration
