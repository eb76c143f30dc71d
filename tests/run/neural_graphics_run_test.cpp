// The neural_graphics workload run on the event engine, against closed forms:
// a frame on one device takes the sum of its priced stages (pre-processing,
// the neural field, post-processing); tiles split over D devices take the
// single-device work ÷ D (the roofline is linear in the bytes and FLOPs, so
// only each kernel's launch overhead stays whole) plus the transfer of the
// remote tiles (the analytic network's alpha + bytes/beta) and the
// compositing copy; an NGPC overlaps its engines with the SMs as a two-stage
// pipeline; frames released at a rate the device keeps up with all take the
// same latency; determinism; bad inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/run/run_context.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/neural_graphics/neural_graphics.hpp"

namespace orrery::neural_graphics_run_test {
namespace {

using test::error_of;
using test::number;
using test::run_text;

std::string scenario(const std::string& device, int devices, const std::string& extra) {
  return fmt::format(R"(
seed: 3
cluster:
  device: {dev}
  nodes: 1
  node: {{ kind: nvswitch, devices: {d}, bandwidth: "100 GB/s", latency: "1 us", nics: 1, nic_bandwidth: "100 Gb/s" }}
network: {{ model: analytic }}
workload:
  kind: neural_graphics
{extra}
)",
                     fmt::arg("dev", device), fmt::arg("d", devices), fmt::arg("extra", extra));
}

const std::string kNerf = "  application: nerf\n  width: 640\n  height: 360\n  samples_per_ray: 16\n  frames: 1\n";

std::int64_t ns(double seconds) {
  return std::llround(seconds * 1e9);
}

TEST(NeuralGraphicsRun, OneDeviceFrameIsTheSumOfItsPricedStages) {
  const std::string text = scenario("RTX-3090", 1, kNerf);
  const run::RunOutput out = run_text(text);
  // The operations written out here (fused kernels, see neural_graphics.hpp):
  // 640 × 360 rays, 16 samples each; pre writes 48 B per sample, post reads
  // 36 B per sample and writes 4 B per pixel; the field is instant-ngp's NeRF
  // (16 levels × 2 features, 2^19 tables, base 16, finest 2048: scale
  // 128^(1/15)) with a 32→64→16 density MLP and a 32→64→64→3 colour MLP.
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const auto device = run::device_model(s.cluster);
  const std::int64_t pixels = 640 * 360, points = pixels * 16;
  task::HashGridEncoding h;
  h.points = points;
  h.base_resolution = 16;
  h.per_level_scale = std::exp(std::log(128.0) / 15);
  const task::NeuralField field{h, {{64, 1, points, 32, 16}, {64, 2, points, 32, 3}}};
  const std::int64_t pre = device->time(task::Elementwise{task::PointwiseKind::kElementwise, 48 * points, 0.25}).count();
  const std::int64_t post =
      device->time(task::Elementwise{task::PointwiseKind::kElementwise, 36 * points + 4 * pixels, 0.25}).count();
  const std::int64_t f = device->time(field).count();
  EXPECT_EQ(ns(number(out, "tile_pre_processing_s")), pre);
  EXPECT_EQ(ns(number(out, "tile_field_s")), f);
  EXPECT_EQ(ns(number(out, "tile_post_processing_s")), post);
  EXPECT_EQ(ns(number(out, "frame_latency_mean_s")), pre + f + post);
  EXPECT_DOUBLE_EQ(number(out, "points_per_frame"), static_cast<double>(points));
  EXPECT_DOUBLE_EQ(number(out, "bytes_moved"), 0);
}

TEST(NeuralGraphicsRun, EvenTilesTakeTheSingleDeviceWorkOverDevicesPlusCompositing) {
  const run::RunOutput one = run_text(scenario("RTX-3090", 1, kNerf));
  const run::RunOutput four = run_text(scenario("RTX-3090", 4, kNerf));
  // 360 rows in 4 tiles of 90. Each kernel's time is its roofline time,
  // linear in the work, plus a 2.6 µs launch (RTX-3090.yaml), rounded up to
  // the ns: with k kernels, tile = (T1 − k·launch)/4 + k·launch, up to k ns
  // of rounding. Kernels: pre, post, the encoding and two MLPs: k = 5.
  const double launch = 2.6e-6;
  const double t1 = number(one, "tile_s");
  const double expected = (t1 - 5 * launch) / 4 + 5 * launch;
  EXPECT_NEAR(number(four, "tile_s"), expected, 5e-9);
  // Three remote tiles of 640 × 90 pixels × 4 B each go to device 0 at the
  // same time (the analytic network: no contention), through the NVSwitch:
  // two 1 µs links, 100 GB/s. The compositor then copies the 3 tiles into the
  // frame: a read and a write of 691,200 B, priced by the device model.
  const double bytes = 640 * 90 * 4;
  const double transfer = 2e-6 + bytes / 100e9;
  const run::Catalog catalog;
  const auto device = run::device_model(run::parse_scenario(catalog, scenario("RTX-3090", 4, kNerf), "s.yaml", {}, std::nullopt).cluster);
  const double copy =
      device->time(task::Elementwise{task::PointwiseKind::kElementwise, static_cast<std::int64_t>(2 * 3 * bytes), 0})
          .seconds();
  EXPECT_NEAR(number(four, "composite_s"), transfer + copy, 2e-9);
  EXPECT_NEAR(number(four, "frame_latency_mean_s"), number(four, "tile_s") + transfer + copy, 2e-9);
  EXPECT_DOUBLE_EQ(number(four, "bytes_per_frame"), 3 * bytes);
}

TEST(NeuralGraphicsRun, NgpcOverlapsItsEnginesWithTheSms) {
  // Two-stage pipeline over n = ⌈points / batch_points⌉ batches:
  // a + b + (n − 1)·max(a, b), a = (pre + post)/n on the SMs, b = field/n.
  const std::string text = scenario("NGPC-16", 1, kNerf + "  batch_points: 1000000\n");
  const run::RunOutput out = run_text(text);
  const double pre = number(out, "tile_pre_processing_s");
  const double post = number(out, "tile_post_processing_s");
  const double field = number(out, "tile_field_s");
  const double n = std::ceil(640.0 * 360 * 16 / 1e6);  // 4 batches
  const double a = (pre + post) / n, b = field / n;
  EXPECT_NEAR(number(out, "tile_s"), a + b + (n - 1) * std::max(a, b), 1e-9);
  EXPECT_LT(number(out, "tile_s"), pre + field + post);
}

TEST(NeuralGraphicsRun, FramesAtARateTheDeviceKeepsUpWithAllTakeOneTileTime) {
  // 20 frames at 10 FPS: each tile (~10 ms at this size) ends before the next
  // release, so no frame queues: every latency is the tile time, fps is the
  // release rate, nothing misses its 100 ms deadline.
  const std::string extra = "  application: nerf\n  width: 640\n  height: 360\n  samples_per_ray: 16\n  frames: 20\n"
                            "  frame_rate: 10\n";
  const run::RunOutput out = run_text(scenario("RTX-3090", 1, extra));
  const double tile = number(out, "tile_s");
  ASSERT_LT(tile, 0.1);
  EXPECT_NEAR(number(out, "frame_latency_p95_s"), tile, 1e-9);
  EXPECT_NEAR(number(out, "frame_latency_max_s"), tile, 1e-9);
  EXPECT_NEAR(number(out, "fps"), 10, 1e-6);
  EXPECT_DOUBLE_EQ(number(out, "deadline_miss_fraction"), 0);
  // At 1000 FPS it cannot keep up: frames queue, fps is 1 / tile (a device
  // runs one tile at a time), latency grows frame after frame.
  const run::RunOutput fast = run_text(scenario("RTX-3090", 1, test::replace(extra, "frame_rate: 10", "frame_rate: 1000")));
  EXPECT_NEAR(number(fast, "fps"), 1 / tile, 1e-6 / tile);
  EXPECT_DOUBLE_EQ(number(fast, "deadline_miss_fraction"), 1);
  EXPECT_GT(number(fast, "frame_latency_max_s"), 10 * tile);
}

TEST(NeuralGraphicsRun, SameScenarioSameResults) {
  const std::string text = scenario("NGPC-8", 4, kNerf + "  tiles: 7\n  frame_rate: 200\n");
  const run::RunOutput a = run_text(text);
  const run::RunOutput b = run_text(text);
  EXPECT_EQ(a.recorder->summary().find("frame_latency_p95_s") != nullptr, true);
  for (const char* key : {"fps", "frame_latency_mean_s", "frame_latency_p95_s", "composite_s", "bytes_moved"})
    EXPECT_EQ(number(a, key), number(b, key)) << key;
}

TEST(NeuralGraphicsInvalid, BadInputsAreLocated) {
  EXPECT_NE(error_of(scenario("RTX-3090", 1, "  application: nerf\n  width: 0\n  height: 10\n  samples_per_ray: 4\n"))
                .find("s.yaml:11:10: error: workload.width: must be at least 1"),
            std::string::npos);
  EXPECT_NE(error_of(scenario("RTX-3090", 1, "  application: nerf\n  resolution: 4k\n  samples_per_ray: 0\n"))
                .find("workload.samples_per_ray: must be in [1, 65536]"),
            std::string::npos);
  EXPECT_NE(error_of(scenario("RTX-3090", 1, "  application: nerf\n  resolution: 5k\n  samples_per_ray: 4\n"))
                .find("workload.resolution: unknown resolution '5k'"),
            std::string::npos);
  EXPECT_NE(error_of(scenario("RTX-3090", 1, "  application: sdf\n  resolution: 4k\n"))
                .find("missing required key 'samples_per_ray'"),
            std::string::npos);
}

TEST(NeuralGraphicsInvalid, AFieldLargerThanTheDeviceIsInfeasibleWithTheNumbers) {
  // NeRF's levels at base 16, scale 128^(1/15), 8 features of 2 B per entry,
  // tables of up to 2^30 entries: level l holds min(2^30, (⌈16·b^l − 1⌉ + 1)³)
  // entries; summed (computed here) well over the RTX 3090's 24 GB.
  const std::string text = scenario(
      "RTX-3090", 1, "  application: nerf\n  resolution: 1080p\n  samples_per_ray: 8\n  encoding: { log2_table: 30, features: 8 }\n");
  task::HashGridEncoding h;
  h.features = 8;
  h.log2_table = 30;
  h.base_resolution = 16;
  h.per_level_scale = std::exp(std::log(128.0) / 15);
  double tables = 0;
  for (int l = 0; l < 16; ++l) tables += task::level_entries(h, l) * 8 * 2;
  ASSERT_GT(tables, 24e9);
  try {
    (void)run_text(text);
    ADD_FAILURE() << "no error";
  } catch (const InfeasibleError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("does not fit device RTX-3090: its tables take " + to_string(Bytes(static_cast<std::int64_t>(tables)))),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("over the device's 24 GB"), std::string::npos) << m;
    EXPECT_NE(m.find("16 levels of up to 2^30 entries × 8 features"), std::string::npos) << m;
  }
  // Dense grids are not capped by a table: the finest level stores every
  // vertex of its 2048³ grid, ⌈16·128 − 1⌉ + 1 = 2048 per side, 8.59·10⁹
  // entries, and the message says so (it said "up to 2^19" before).
  h.encoding = task::GridEncoding::kDense;
  h.log2_table = 19;
  EXPECT_EQ(task::level_entries(h, 15), 2048.0 * 2048 * 2048);
  try {
    (void)run_text(scenario(
        "RTX-3090", 1,
        "  application: nerf\n  resolution: 1080p\n  samples_per_ray: 8\n  encoding: { kind: dense }\n"));
    ADD_FAILURE() << "no error";
  } catch (const InfeasibleError& e) {
    const std::string m = e.what();
    EXPECT_NE(
        m.find("16 levels of up to 8.59e+09 entries × 2 features × 2 B; dense grids store every vertex"),
        std::string::npos)
        << m;
  }
}

}  // namespace
}  // namespace orrery::neural_graphics_run_test
