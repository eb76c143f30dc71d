// Every registry of pluggable parts, filled by each folder's
// `register_builtin`, and the device files. One Catalog per program (or
// test); no globals.
#pragma once

#include "sim/horizon/policies.hpp"

#include <memory>
#include <vector>

#include "models/devices/device_catalog.hpp"
#include "models/collective/collective_algorithm.hpp"
#include "sim/exec/network_service.hpp"
#include "topologies/register_builtin.hpp"
#include "workloads/workload.hpp"

namespace orrery::run {

class Catalog {
 public:
  Catalog();  // registers every built-in part
  Catalog(const Catalog&) = delete;  // entries capture references to sibling registries
  Catalog& operator=(const Catalog&) = delete;

  topo::ScaleOutRegistry scale_out{"topology"};
  topo::NodeRegistry nodes{"node"};
  models::DeviceCatalog devices;  // the files in models/devices/
  exec::NetworkRegistry networks{"network", "model"};
  // The collective algorithms, by name (the executor's view), and their registry entries (docs, `orrery list`).
  std::shared_ptr<models::CollectiveLibrary> collective_library = std::make_shared<models::CollectiveLibrary>();
  models::CollectiveRegistry collectives{"collective", "algorithm"};
  workload::ScheduleRegistry schedules{"schedule", "schedule"};
  workload::WorkloadRegistry workloads{"workload"};
  horizon::PolicyRegistries policies;

  [[nodiscard]] std::vector<const config::RegistryBase*> all() const;
  [[nodiscard]] const config::RegistryBase* find(std::string_view family) const;
};

}  // namespace orrery::run
