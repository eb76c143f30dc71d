#include "workloads/neural_graphics/neural_graphics_spec.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace orrery::workload::neural_graphics {

namespace {

struct NamedResolution {
  std::string_view name;
  std::int64_t width, height;
};
// Display standards (ITU-R BT.709 for 720p/1080p; BT.2020's UHDTV 3840 × 2160
// and 7680 × 4320 for 4k and 8k).
constexpr NamedResolution kResolutions[] = {
    {"720p", 1280, 720}, {"1080p", 1920, 1080}, {"1440p", 2560, 1440}, {"4k", 3840, 2160}, {"8k", 7680, 4320}};

// instant-ngp's defaults for each application (see the header).
struct AppDefaults {
  std::int64_t dims, log2_table;
  std::vector<task::TinyMlp> mlps;  // width, hidden layers, points, inputs, outputs
};
AppDefaults defaults_of(Application a) {
  switch (a) {
    case Application::kNerf:
      return {3, 19, {{64, 1, 0, 32, 16}, {64, 2, 0, 32, 3}}};
    case Application::kSdf:
      return {3, 19, {{64, 2, 0, 32, 1}}};
    case Application::kGigapixel:
      return {2, 24, {{64, 2, 0, 32, 3}}};
    case Application::kVolume:
      return {3, 19, {{64, 2, 0, 32, 4}}};
  }
  return {};
}

}  // namespace

std::string_view name_of(Application a) {
  switch (a) {
    case Application::kNerf:
      return "nerf";
    case Application::kSdf:
      return "sdf";
    case Application::kGigapixel:
      return "gigapixel";
    case Application::kVolume:
      return "volume";
  }
  return "?";
}

NeuralGraphicsParams NeuralGraphicsParams::read(config::Reader& r) {
  NeuralGraphicsParams p;
  const bool d = r.describing();
  p.at = r.where("application");
  const std::vector<std::string> apps{"gigapixel", "nerf", "sdf", "volume"};
  const std::string app = r.choice("application", apps, std::nullopt,
                                   "the NGPC paper's application: nerf (neural radiance field), sdf (neural signed "
                                   "distance function, sphere traced), gigapixel (image approximation, 2D), volume "
                                   "(neural volume rendering)");
  p.application = app == "sdf" ? Application::kSdf : app == "gigapixel" ? Application::kGigapixel
                  : app == "volume"                ? Application::kVolume
                                                   : Application::kNerf;
  const bool marched = p.application != Application::kGigapixel;

  std::vector<std::string> names;
  for (const auto& n : kResolutions) names.emplace_back(n.name);
  const std::string named = r.optional<std::string>(
      "resolution", "", "a named resolution (720p, 1080p, 1440p, 4k = 3840x2160, 8k = 7680x4320), or give width and height");
  p.width = r.optional<std::int64_t>("width", 0, "pixels per row (with height, instead of resolution)");
  p.height = r.optional<std::int64_t>("height", 0, "rows (with width, instead of resolution)");
  p.frame_rate = r.optional<double>("frame_rate", 0.0,
                                    "frames released per second (the display's rate; a frame's latency counts from "
                                    "its release); 0: every frame at time zero, to measure throughput");
  p.frames = r.optional<std::int64_t>("frames", 30, "frames rendered");
  constexpr std::string_view kSamplesHelp =
      "field queries per ray after empty-space skipping and early termination (nerf, volume: ray-marching samples; "
      "sdf: sphere-tracing steps; required: instant-ngp adapts it, so the scenario states its figure); gigapixel: "
      "samples per pixel (supersampling, default 1)";
  const auto samples = marched ? std::optional<std::int64_t>(r.required<std::int64_t>("samples_per_ray", kSamplesHelp))
                               : std::optional<std::int64_t>(r.optional<std::int64_t>("samples_per_ray", 1, kSamplesHelp));
  p.fused = r.optional<bool>("fused", true,
                             "pre- and post-processing fused into one kernel each (as the NGPC paper does in Vulkan) "
                             "instead of one kernel per step");
  p.tiles = r.optional<std::int64_t>("tiles", 0, "tiles a frame is split into, by rows, dealt round robin to the "
                                                 "devices (0: one per device)");
  p.compositor_at = r.where("compositor");
  p.compositor = r.optional<int>("compositor", 0, "the device that assembles each frame from its tiles");
  p.pixel_bytes = r.optional<std::int64_t>("pixel_bytes", 4, "bytes per pixel a tile sends to the compositor (RGBA8: 4)");
  p.batch_points = r.optional<std::int64_t>(
      "batch_points", std::int64_t{1} << 21,
      "points per batch (instant-ngp renders 2^21 queries at a time); on an NGPC the SMs run one batch's other "
      "kernels while the engines run the next batch's field");

  const AppDefaults defaults = defaults_of(p.application);
  task::HashGridEncoding& e = p.encoding;
  e.dims = defaults.dims;
  double finest = 0;
  r.section("encoding", "the field's input encoding (defaults: instant-ngp's for the application)", false,
            [&](config::Reader& s) {
              const std::vector<std::string> kinds{"dense", "hash", "simplex"};
              const std::string kind =
                  s.choice("kind", kinds, "hash",
                           "hash (multi-resolution hash grid, Müller et al. 2022), dense (the grids stored whole), "
                           "simplex (dims + 1 vertices per level, Wen et al. 2023)");
              e.encoding = kind == "dense" ? task::GridEncoding::kDense : kind == "simplex" ? task::GridEncoding::kSimplex
                                                                                            : task::GridEncoding::kHash;
              e.levels = s.optional<std::int64_t>("levels", 16, "resolution levels");
              e.features = s.optional<std::int64_t>("features", 2, "features per level (fp16)");
              p.table_at = s.where("log2_table");
              e.log2_table = s.optional<std::int64_t>("log2_table", defaults.log2_table,
                                                      "log2 of the most entries a level's table holds (hash, simplex)");
              e.base_resolution = s.optional<std::int64_t>("base_resolution", 16, "the coarsest grid's resolution");
              e.per_level_scale = s.optional<double>(
                  "per_level_scale", 0.0, "resolution growth per level; 0: instant-ngp's, from finest_resolution");
              finest = s.optional<double>(
                  "finest_resolution", 0.0,
                  "the finest level's resolution when per_level_scale is 0 (0: instant-ngp's, 2048 per unit cube; "
                  "for the gigapixel image, half the frame's longer side)");
              if (s.describing()) return;
              s.check(e.levels >= 1 && e.levels <= 64, "levels", "must be in [1, 64]");
              s.check(e.features >= 1 && e.features <= 64, "features", "must be in [1, 64]");
              s.check(e.log2_table >= 1 && e.log2_table <= 40, "log2_table", "must be in [1, 40]");
              s.check(e.base_resolution >= 1 && e.base_resolution <= (1 << 20), "base_resolution",
                      "must be in [1, 2^20]");
              s.check(e.per_level_scale == 0 || (e.per_level_scale >= 1 && e.per_level_scale <= 16), "per_level_scale",
                      "must be 0 (instant-ngp's) or in [1, 16]");
              s.check(finest == 0 || (finest >= 1 && finest <= 1e7), "finest_resolution", "must be 0 or in [1, 1e7]");
            });
  p.mlps = defaults.mlps;
  r.section("mlp", "the MLPs' shape (defaults: instant-ngp's, 64 wide)", false, [&](config::Reader& s) {
    const std::int64_t width = s.optional<std::int64_t>("width", 64, "neurons per hidden layer of every MLP");
    const std::int64_t hidden = s.optional<std::int64_t>(
        "hidden_layers", 0, "hidden layers of the application's last MLP (nerf: the colour MLP); 0: instant-ngp's");
    if (s.describing()) return;
    s.check(width >= 1 && width <= 1024, "width", "must be in [1, 1024]");
    s.check(hidden >= 0 && hidden <= 64, "hidden_layers", "must be in [0, 64]");
    for (auto& m : p.mlps) m.width = width;
    if (hidden > 0) p.mlps.back().depth = hidden;
  });
  if (d) return p;

  if (!named.empty()) {
    r.check(!r.has("width") && !r.has("height"), "resolution", "give a named resolution or width and height, not both");
    bool found = false;
    for (const auto& n : kResolutions) {
      if (n.name == named) {
        p.width = n.width;
        p.height = n.height;
        found = true;
      }
    }
    if (!found) r.fail("resolution", fmt::format("unknown resolution '{}'; valid: 720p, 1080p, 1440p, 4k, 8k", named));
  } else {
    r.check(r.has("width") && r.has("height"), "resolution", "give a named resolution, or width and height");
  }
  r.check(p.width >= 1, "width", "must be at least 1");
  r.check(p.height >= 1, "height", "must be at least 1");
  r.check(p.width <= kMaxPixels / p.height, "width",
          fmt::format("{} x {} pixels is more than the 2^28 a frame may have", p.width, p.height));
  r.check(std::isfinite(p.frame_rate) && p.frame_rate >= 0 && p.frame_rate <= 1e6, "frame_rate",
          "must be in [0, 1e6] frames per second");
  r.check(p.frames >= 1 && p.frames <= kMaxFrames, "frames", "must be in [1, 10^6]");
  if (samples) {
    r.check(*samples >= 1 && *samples <= 1 << 16, "samples_per_ray", "must be in [1, 65536]");
    p.samples_per_ray = *samples;
  }
  r.check(p.tiles >= 0 && p.tiles <= p.height, "tiles", fmt::format("must be in [0, height = {}]", p.height));
  r.check(p.pixel_bytes >= 1 && p.pixel_bytes <= 64, "pixel_bytes", "must be in [1, 64]");
  r.check(p.batch_points >= 1, "batch_points", "must be at least 1");
  if (e.per_level_scale == 0) {
    // instant-ngp's growth from base_resolution to the finest resolution (task::per_level_scale).
    if (finest <= 0) {
      finest = p.application == Application::kGigapixel ? static_cast<double>(std::max(p.width, p.height)) / 2 : 2048;
    }
    e.per_level_scale = task::per_level_scale(static_cast<double>(e.base_resolution), finest, e.levels);
  }
  p.mlps.front().inputs = e.levels * e.features;  // the encoding's output feeds the first MLP
  return p;
}

}  // namespace orrery::workload::neural_graphics
