// A device with round numbers for cost-model tests: bf16 peak 100 TFLOP/s,
// fp32 10 TFLOP/s, 1 TB/s, default efficiencies 0.5 compute and 0.8 memory,
// and the launch overhead given (none by default); `extra`: more fields (YAML
// lines), e.g. another dtype's peak.
#pragma once

#include <memory>
#include <string>

#include "models/devices/device.hpp"

namespace orrery::test {

// The device file's text (for tests that write it to a folder).
inline std::string round_number_device_text(const std::string& launch = "0 ns",
                                            const std::string& extra = "") {
  std::string text = R"(name: TEST-GPU
kind: gpu
description: "a device for tests"
peak_fp32: { value: "10 TFLOP/s", source: "test" }
peak_bf16: { value: "100 TFLOP/s", source: "test" }
memory_capacity: { value: "80 GB", source: "test" }
memory_bandwidth: { value: "1 TB/s", source: "test" }
launch_overhead: { value: "LAUNCH", source: "test" }
default_compute_efficiency: { value: "0.5", source: "test" }
default_memory_efficiency: { value: "0.8", source: "test" }
)";
  text.replace(text.find("LAUNCH"), 6, launch);
  return text + extra;
}

inline std::shared_ptr<const models::Device> round_number_device(const std::string& launch = "0 ns",
                                                                 const std::string& extra = "") {
  return std::make_shared<const models::Device>(
      models::parse_device(round_number_device_text(launch, extra), "TEST-GPU.yaml"));
}

}  // namespace orrery::test
