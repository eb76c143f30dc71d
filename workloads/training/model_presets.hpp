// Published model shapes that `model: { preset: NAME }` names, each from the
// paper or the released configuration that defines it (model_presets.cpp says
// which). Keys beside `preset` override the preset's values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/training/transformer.hpp"

namespace orrery::workload::training {

struct ModelPreset {
  std::string_view name;
  TransformerSpec spec;
  std::string_view source;
};

[[nodiscard]] const std::vector<ModelPreset>& model_presets();
[[nodiscard]] std::optional<TransformerSpec> model_preset(std::string_view name);

}  // namespace orrery::workload::training
