// The collective algorithms a scenario can name (`algorithm:` of a
// collective; `orrery list collective`). To add one: a class deriving
// CollectiveAlgorithm in a file of its own, one line here, and tests in
// tests/models/collective_test.cpp (data delivered, steps and bytes against
// its closed form).
#include "models/collective/all_to_all.hpp"
#include "models/collective/binomial_tree.hpp"
#include "models/collective/collective_algorithm.hpp"
#include "models/collective/dimension_rings.hpp"
#include "models/collective/double_binary_tree.hpp"
#include "models/collective/halving_doubling.hpp"
#include "models/collective/hierarchical_all_reduce.hpp"
#include "models/collective/ok_topk.hpp"
#include "models/collective/pipeline_chain.hpp"
#include "models/collective/ring_collectives.hpp"

namespace orrery::models {

namespace {

template <class A>
void add(CollectiveRegistry& registry, CollectiveLibrary& library) {
  auto a = std::make_shared<const A>();
  library.add(a);
  std::string ops;
  for (int k = 0; k < task::kCollectiveOpCount; ++k) {
    const auto op = static_cast<CollectiveOp>(k);
    if (!a->supports(op)) continue;
    ops += (ops.empty() ? "" : ", ") + std::string(task::name_of(op));
  }
  registry.add(std::string(a->name()), std::string(a->description()) + " [" + ops + "]",
               [a](config::Reader&) -> std::shared_ptr<const CollectiveAlgorithm> { return a; });
}

}  // namespace

void register_builtin(CollectiveRegistry& registry, CollectiveLibrary& library) {
  add<RingAlgorithm>(registry, library);
  add<DoubleBinaryTreeAlgorithm>(registry, library);
  add<HalvingDoublingAlgorithm>(registry, library);
  add<DirectAllToAllAlgorithm>(registry, library);
  add<PairwiseAllToAllAlgorithm>(registry, library);
  add<BinomialTreeAlgorithm>(registry, library);
  add<PipelineChainAlgorithm>(registry, library);
  add<HierarchicalAllReduceAlgorithm>(registry, library);
  add<DimensionRingsAlgorithm>(registry, library);
  add<OkTopkAlgorithm>(registry, library);
}

}  // namespace orrery::models
