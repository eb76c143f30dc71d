// The network models a scenario can name under `network: { model: ... }`.
// To add one: a NetworkService and a NetworkModel in a file of their own, and
// one line here.
#include "sim/exec/analytic_network.hpp"
#include "sim/exec/flow_network.hpp"
#include "sim/exec/network_service.hpp"

#include <stdexcept>

namespace orrery::exec {

// A network with contention cannot time a transfer alone; the executor asks
// only when contention_free() says it can.
Duration NetworkService::time_alone(DeviceId, DeviceId, Bytes, std::vector<LinkLoad>&) {
  throw std::logic_error("time_alone on a network with contention");
}
void NetworkService::add_loads(std::span<const LinkLoad>, Time, Time) {
  throw std::logic_error("add_loads on a network with contention");
}

void register_builtin(NetworkRegistry& networks) {
  networks.add("analytic",
               "alpha + bytes/beta along each route's bottleneck, no contention between tasks (a "
               "collective's transfers of one step share their links)",
               [](config::Reader&) { return std::make_shared<AnalyticNetworkModel>(); });
  networks.add("flow", "flows share link bandwidth max-min fairly, recomputed as flows start and end; plus route latency",
               [](config::Reader&) { return std::make_shared<FlowNetworkModel>(); });
}

}  // namespace orrery::exec
