// `failures: { kind: classes }`: failure classes given in the scenario, each a
// scope (what fails and takes with it) and a time to failure of one component
// (exponential or Weibull), counted on the cluster at set-up.
#pragma once

#include "sim/horizon/failure_policy.hpp"

namespace orrery::horizon {

class FailureClasses final : public FailurePolicy {
 public:
  static constexpr std::string_view kDescription =
      "failure classes given in the scenario (exponential or Weibull per component)";
  static std::shared_ptr<const FailurePolicy> read(config::Reader& r);
  FailureClasses(std::vector<models::FailureClass> classes, int nodes_per_switch)
      : classes_(std::move(classes)), nodes_per_switch_(nodes_per_switch) {}

  [[nodiscard]] int nodes_per_switch() const override { return nodes_per_switch_; }
  [[nodiscard]] std::vector<models::FailureClass> classes(const models::ClusterCounts& counts) const override;

 private:
  std::vector<models::FailureClass> classes_;
  int nodes_per_switch_ = 8;
};

}  // namespace orrery::horizon
