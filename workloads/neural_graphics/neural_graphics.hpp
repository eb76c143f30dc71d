// `neural_graphics`: frames of a neural-graphics application (NeRF, neural
// SDF, gigapixel image, neural volume) rendered on GPUs or neural-graphics
// processing clusters (NGPC), split into tiles over the cluster's devices and
// assembled on a compositor through the network.
//
// A tile of P pixels (one ray each) queries the field at P × samples_per_ray
// points. Its work, priced by the device model:
//   pre-processing   ray generation and sampling (nerf, volume: ray
//                    marching; sdf: sphere-tracing steps; gigapixel: pixel
//                    coordinates), memory-bound kernels of the bytes below;
//   field            task::NeuralField — the grid encoding and the MLPs at
//                    every point (a GPU: separate kernels; an NGPC: fused on
//                    its engines, models/compute/ngpc.hpp);
//   post-processing  compositing the samples into pixels and converting them
//                    for display.
// On a GPU a tile takes pre + field + post. An NGPC's engines run the field
// while the host GPU's SMs run the other kernels, batch by batch (the SMs run
// batch N's other kernels while the engines run batch N + 1, as summaries of
// the NGPC paper describe its execution model; the abstract alone does not
// say): with n = ⌈points / batch_points⌉ batches of a = (pre + post)/n
// on the SMs and b = field/n on the engines, a two-stage pipeline takes
//   a + b + (n − 1)·max(a, b).
// Tiles are rows of the frame dealt round robin to the devices (a device with
// two tiles runs them one after another); every tile not on the compositor
// sends its pixels (pixel_bytes each) to it over the network, and the
// compositor copies them into the frame buffer (a memory-bound kernel of
// 2 × the bytes received). A frame is released at f / frame_rate (all at zero
// when frame_rate is 0) and done when the compositor has it; its latency
// counts from its release.
//
// The pre- and post-processing kernels move these bytes (orrery's count of
// the buffers of instant-ngp's renderer; fp32 positions and directions, the
// MLP's output padded to 16 fp16 columns as tiny-cuda-nn's fully fused MLP
// writes it, so 32 B per sample read back), per ray r and per sample s:
//   nerf       unfused: generate rays (write origin, direction: 24 B/r);
//              march (read the ray 24 B/r, write position, direction, step
//              28 B/s); encode the view direction (spherical harmonics,
//              degree 4: read 12, write 32 B/s); composite (read 32 + 4 B/s,
//              write RGBA fp32 16 B/r); display (read 16, write pixel_bytes /r).
//              fused: pre writes position, step and the encoded direction
//              (48 B/s); post reads 36 B/s and writes pixel_bytes /r.
//   sdf        unfused: generate rays (24 B/r); trace (read position and
//              direction 24, the distance 32, write the position 12: 68 B/s);
//              shade (read the hit 12, write RGBA 16 B/r); display.
//              fused: pre writes the position (12 B/s); post reads the
//              distance (32 B/s) and writes pixel_bytes /r.
//   gigapixel  pre writes the pixel coordinates (8 B/s, one sample per
//              pixel); post reads the colour (32 B/s) and writes pixel_bytes.
//   volume     unfused: generate rays (24 B/r); sample (read the ray 24 B/r,
//              write position and step 16 B/s); composite (read 36 B/s, write
//              16 B/r); display. fused: pre 16 B/s; post 36 B/s + pixel_bytes /r.
// instant-ngp marches in rounds (compacting live rays between them), so it
// launches more kernels than these; the launches left out cost each its
// launch overhead per round.
//
// Results: `fps` (frames completed per second between the first and the last
// completion; one frame: 1 / its latency), frame latency mean, p50, p95, max,
// `deadline_miss_fraction` (frames later than 1 / frame_rate), the largest
// tile's stage times, compositing time, bytes moved; /frames (one row per frame).
#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "workloads/neural_graphics/neural_graphics_spec.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::neural_graphics {

// A pre- or post-processing kernel: the bytes it moves per ray and per sample.
struct Kernel {
  std::string_view name;
  double bytes_per_ray = 0;
  double bytes_per_sample = 0;
};
[[nodiscard]] std::vector<Kernel> pre_kernels(const NeuralGraphicsParams& p);
[[nodiscard]] std::vector<Kernel> post_kernels(const NeuralGraphicsParams& p);

// A tile: rows of the frame on one device.
struct Tile {
  int device = 0;
  std::int64_t rows = 0;
  std::int64_t pixels = 0;
  std::int64_t points = 0;
};
// Rows split as evenly as they go (the first height % tiles tiles one row more).
[[nodiscard]] std::vector<Tile> plan_tiles(const NeuralGraphicsParams& p, int devices);

// A tile's operations.
struct TileOps {
  std::vector<Operation> pre;
  task::NeuralField field;
  std::vector<Operation> post;
};
[[nodiscard]] TileOps tile_ops(const NeuralGraphicsParams& p, std::int64_t pixels);

// A tile's priced stages and its time on a device (with or without neural engines).
struct TileTime {
  Duration pre, field, post, total;
  bool calibrated = true;
};
[[nodiscard]] TileTime tile_time(const NeuralGraphicsParams& p, const TileOps& ops, const DeviceModel& device);

// What each device holds: the field's tables and MLP weights, a batch's
// buffers and its tile's frame buffer.
struct FieldMemory {
  double tables = 0;
  double weights = 0;
  double buffers = 0;
  [[nodiscard]] double total() const { return tables + weights + buffers; }
};
[[nodiscard]] FieldMemory field_memory(const NeuralGraphicsParams& p, std::int64_t largest_tile_pixels);

struct NeuralGraphicsFacts {
  std::vector<Tile> tiles;
  FieldMemory memory;
};

class NeuralGraphicsWorkload final : public Workload {
 public:
  explicit NeuralGraphicsWorkload(NeuralGraphicsParams p) : p_(std::move(p)) {}
  // Throws ConfigError for a compositor outside the cluster and
  // InfeasibleError (with the numbers) when the field does not fit a device.
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& /*lowered*/, const TaskTimes& /*times*/, Summary& /*out*/) const override {}
  [[nodiscard]] std::unique_ptr<RunningWorkload> start(const ClusterShape& cluster, const Lowered& lowered,
                                                       const RuntimePricing& pricing) const override;
  [[nodiscard]] const NeuralGraphicsParams& params() const { return p_; }

 private:
  NeuralGraphicsParams p_;
};

// The run: frames released at the frame rate, tiles, tile transfers, compositing.
class NeuralGraphicsRun final : public RunningWorkload {
 public:
  NeuralGraphicsRun(const NeuralGraphicsParams& p, const NeuralGraphicsFacts& facts, const RuntimePricing& pricing);
  void begin(TaskSink& sink) override;
  void finished(TaskSink& sink, TaskId task) override;
  void summarize(const TaskTimes& times, Summary& out) const override;
  [[nodiscard]] std::vector<ResultTable> tables() const override;
  void report_progress(ProgressFn progress) override { progress_ = std::move(progress); }

  struct Frame {
    Time release;
    Time tiles_done;
    Time end;
  };
  [[nodiscard]] const std::vector<Frame>& frames() const { return frames_; }
  // The priced time of each tile (plan order) and of the compositing.
  [[nodiscard]] const std::vector<TileTime>& tile_times() const { return tile_times_; }
  [[nodiscard]] Duration composite_time() const { return composite_; }

 private:
  void submit_frame(TaskSink& sink, std::size_t f);

  NeuralGraphicsParams p_;
  NeuralGraphicsFacts facts_;
  std::vector<TileTime> tile_times_;
  Duration composite_;
  std::int64_t composite_bytes_ = 0;  // per frame, over the network
  std::vector<Frame> frames_;
  // Submitted tasks still running: task → (frame, is the frame's last task).
  std::unordered_map<std::int64_t, std::pair<std::int32_t, bool>> pending_;
  std::size_t done_ = 0;
  ProgressFn progress_;
};

}  // namespace orrery::workload::neural_graphics
