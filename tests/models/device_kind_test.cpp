// Device kinds as plugins: every registered kind names only real device-file
// keys, and a shipped file of each kind that leaves out any one of its kind's
// required fields is rejected at that field (the requirement comes from the
// kind's own file, not from a table in device.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "models/compute/cost.hpp"
#include "models/compute/ngpc.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_catalog.hpp"
#include "models/devices/device_kind.hpp"

namespace orrery::models {
namespace {

TEST(DeviceKind, RequiredFieldsAreDeviceFileKeys) {
  const auto keys = device_file_keys();
  for (const DeviceKindSpec* kind : device_kinds()) {
    EXPECT_EQ(find_device_kind(kind->name()), kind);
    for (std::string_view field : kind->required_fields()) {
      const bool known = std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.key == field; });
      EXPECT_TRUE(known) << kind->name() << ": " << field;
    }
  }
  EXPECT_EQ(find_device_kind("tpu"), nullptr);
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DeviceKind, EachKindsRequiredFieldsAreEnforced) {
  int files_per_kind[8] = {};
  for (const auto& entry : std::filesystem::directory_iterator(devices_dir())) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "README.yaml") continue;
    const std::string text = read_text(entry.path());
    const std::string file = entry.path().filename().string();
    const Device d = parse_device(text, file);
    const auto& kinds = device_kinds();
    ++files_per_kind[std::find(kinds.begin(), kinds.end(), d.kind) - kinds.begin()];
    for (std::string_view field : d.kind->required_fields()) {
      // The file without the field's line: rejected, naming the field.
      const std::regex line("(^|\n)" + std::string(field) + ":[^\n]*");
      const std::string without = std::regex_replace(text, line, "$1", std::regex_constants::format_first_only);
      ASSERT_NE(without, text) << file << " has no line for " << field;
      try {
        (void)parse_device(without, file);
        ADD_FAILURE() << file << " without " << field << " was accepted";
      } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("missing required section '" + std::string(field) + "'"),
                  std::string::npos)
            << e.what();
      }
    }
  }
  // The shipped catalog has files of every registered kind.
  for (std::size_t k = 0; k < device_kinds().size(); ++k) EXPECT_GT(files_per_kind[k], 0) << device_kinds()[k]->name();
}

// Each kind makes the model that prices its devices' operations: a GPU the
// roofline cost model (the same time as CostModel built directly), an NGPC its
// engines (the same time as NgpcModel, and nothing but its two engines), an
// FPGA FANNS's IVF-PQ pipeline, a host none (its kind says it runs no operations).
TEST(DeviceKind, EachKindMakesItsOperationModel) {
  const DeviceCatalog catalog(devices_dir());
  const auto a100 = catalog.load("A100-SXM4-80GB");
  const task::Gemm gemm{4096, 4096, 4096, 1, task::DType::kBf16};
  const auto gpu = a100->kind->operation_model(a100, nullptr);
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->cost(gemm).time, CostModel(a100, nullptr).cost(gemm).time);

  const auto ngpc_device = catalog.load("NGPC-8");
  const auto engines = ngpc_device->kind->operation_model(ngpc_device, nullptr);
  ASSERT_NE(engines, nullptr);
  task::HashGridEncoding h;
  h.levels = 16;
  h.features = 2;
  h.log2_table = 17;
  h.points = 1 << 20;
  h.dims = 3;
  EXPECT_EQ(engines->cost(h).time, NgpcModel(ngpc_device).encoding_time(h));
  // What the engines do not run, the host GPU's SMs do: its own roofline.
  ASSERT_NE(ngpc_device->host, nullptr);
  EXPECT_EQ(engines->cost(gemm).time, CostModel(ngpc_device->host, nullptr).cost(gemm).time);
  EXPECT_TRUE(ngpc_device->kind->runs_operations());  // a cluster's device for neural_graphics

  // A neural field: fused on the engines (max of the encoding and the MLPs
  // run one after another), separate kernels on the host GPU (their sum).
  task::TinyMlp density{64, 1, h.points, 32, 16};
  task::TinyMlp colour{64, 2, h.points, 32, 3};
  const task::NeuralField field{h, {density, colour}};
  const NgpcModel model(ngpc_device);
  EXPECT_EQ(engines->cost(field).time,
            std::max(model.encoding_time(h), model.mlp_time(density) + model.mlp_time(colour)));
  const CostModel host(ngpc_device->host, nullptr);
  EXPECT_EQ(host.cost(field).time, host.cost(h).time + host.cost(density).time + host.cost(colour).time);

  for (const DeviceKindSpec* kind : device_kinds()) {
    if (kind->name() == "host") {
      EXPECT_FALSE(kind->runs_operations());
      EXPECT_EQ(kind->operation_model(a100, nullptr), nullptr) << kind->name();
    }
  }

  // An FPGA runs IVF-PQ searches as FANNS's co-designed pipeline
  // (tests/models/fpga_ivfpq_test.cpp checks the design), nothing else.
  const auto u55c = catalog.load("Alveo-U55C");
  EXPECT_TRUE(u55c->kind->runs_operations());
  const auto fpga = u55c->kind->operation_model(u55c, nullptr);
  task::IvfPqSearch search;
  search.vectors = 100'000'000;
  search.nprobe = 17;
  search.opq = true;
  search.utilization = 0.5;
  // FANNS's networked SIFT100M design: IVFDist binds at 14,702 cycles of 140 MHz.
  search.batch = 1001;
  const Cost c = fpga->cost(search);
  EXPECT_EQ(c.issue, Duration::ns(static_cast<std::int64_t>(std::ceil(1001 * 14702 / 140e6 * 1e9 - 1e-6))));
  EXPECT_THROW((void)fpga->cost(gemm), ValueError);
}

}  // namespace
}  // namespace orrery::models
