// The `neural_graphics` workload's keys (scenarios/README.md, "Neural
// graphics"): an application of the NGPC paper (Mubarik et al., ISCA'23,
// arXiv 2303.05735) rendered frame after frame at a resolution and frame
// rate, its neural field (a grid encoding feeding tiny MLPs) queried at
// rays × samples points, with the pre- and post-processing kernels around it
// fused or not.
//
// Application defaults are instant-ngp's configurations (NVlabs/instant-ngp,
// configs/{nerf,sdf,image,volume}/base.json as of commit 3cae563, Feb 2023 —
// the version the NGPC paper profiled; nerf_network.h and testbed_*.cu for
// the MLPs' input and output widths): every hash grid 16 levels × 2 features,
// base resolution 16; tables of 2^19 entries (2^24 for the gigapixel image);
// MLPs 64 wide —
//   nerf       density MLP 32 → 64 (1 hidden layer) → 16, colour MLP
//              (16 density features + 16 spherical-harmonics values of the
//              view direction) 32 → 64, 64 (2 hidden) → 3;
//   sdf        32 → 64, 64 → 1;      gigapixel (2D)  32 → 64, 64 → 3;
//   volume     32 → 64, 64 → 4.
// The finest resolution is instant-ngp's: 2048 per unit cube for NeRF, SDF
// and volumes (per_level_scale = (2048/16)^(1/15) = 1.3819), half the image's
// longer side for the gigapixel image. Samples per ray have no default for
// the ray-marched applications: instant-ngp's marching is adaptive (empty
// space skipped, rays terminated early), so the scenario states its figure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/error.hpp"
#include "sim/task/operation.hpp"

namespace orrery::workload::neural_graphics {

enum class Application : std::uint8_t { kNerf, kSdf, kGigapixel, kVolume };
[[nodiscard]] std::string_view name_of(Application a);

// The most pixels per frame (16K × 16K) and frames per run: beyond either the
// run is no longer a frame study, and ray counts stay far from overflow.
inline constexpr std::int64_t kMaxPixels = std::int64_t{1} << 28;
inline constexpr std::int64_t kMaxFrames = 1'000'000;

struct NeuralGraphicsParams {
  Application application = Application::kNerf;
  std::int64_t width = 0, height = 0;
  double frame_rate = 0;  // frames released per second; 0: all at time zero (throughput)
  std::int64_t frames = 30;
  std::int64_t samples_per_ray = 1;  // field queries per ray (pixel)
  task::HashGridEncoding encoding;   // points filled per tile
  std::vector<task::TinyMlp> mlps;   // points filled per tile
  bool fused = true;                 // pre- and post-processing as one kernel each
  std::int64_t tiles = 0;            // 0: one per device
  int compositor = 0;                // the device that assembles the frame
  std::int64_t pixel_bytes = 4;      // RGBA8 per pixel sent to the compositor
  std::int64_t batch_points = std::int64_t{1} << 21;  // points per batch an NGPC overlaps with the SMs
  SourceLocation at, table_at, compositor_at;

  // Reads the keys under `workload:` (or documents them); located errors.
  static NeuralGraphicsParams read(config::Reader& r);
};

}  // namespace orrery::workload::neural_graphics
