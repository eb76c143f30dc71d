#include "sim/run/catalog.hpp"

#include "models/data_dir.hpp"

namespace orrery::run {

Catalog::Catalog() : devices(models::devices_dir()) {
  topo::register_builtin(scale_out, nodes);
  exec::register_builtin(networks);
  models::register_builtin(collectives, *collective_library);
  workload::register_builtin(schedules);
  workload::register_builtin(workloads, schedules, *collective_library);
  horizon::register_builtin(policies);
}

std::vector<const config::RegistryBase*> Catalog::all() const {
  return {&scale_out,         &nodes,         &devices,         &networks,
          &collectives,       &schedules,     &workloads,       &policies.failures,
          &policies.checkpoints, &policies.recoveries, &policies.fillers};
}

const config::RegistryBase* Catalog::find(std::string_view family) const {
  for (const auto* r : all())
    if (r->family() == family) return r;
  return nullptr;
}

}  // namespace orrery::run
