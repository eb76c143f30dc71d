#include "sim/task/ivfpq_search.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace orrery::task {

double ivfpq_scan_ratio(std::int64_t nlist, bool opq) {
  // scan_ratio_with_OPQ / scan_ratio_without_OPQ of SC-ANN-FPGA's
  // FPGA_local/performance_model/get_best_hardware.py (nlist: ratio).
  struct Row {
    std::int64_t nlist;
    double with_opq;
    double without_opq;
  };
  static constexpr std::array<Row, 9> kRatio{{{1024, 1.102495894347366, 1.1023307648983034},
                                              {2048, 1.12463916710666, 1.1245342465011723},
                                              {4096, 1.12302396550103, 1.1230564521721877},
                                              {8192, 1.135891773928242, 1.135866022841546},
                                              {16384, 1.1527141392580655, 1.1523836603564073},
                                              {32768, 1.1441353378627621, 1.1440334275739672},
                                              {65536, 1.1411144965226643, 1.1410689577844846},
                                              {131072, 1.1476783059960072, 1.1476378583040157},
                                              {262144, 1.1543383003102523, 1.1543274466049378}}};
  // ASSUMPTION: another nlist takes the nearest measured one in log2.
  const Row* best = kRatio.data();
  const auto gap = [&](const Row& r) {
    return std::abs(std::log2(static_cast<double>(r.nlist)) - std::log2(static_cast<double>(nlist)));
  };
  for (const Row& r : kRatio)
    if (gap(r) < gap(*best)) best = &r;
  return opq ? best->with_opq : best->without_opq;
}

double ivfpq_codes_per_query(const IvfPqSearch& s) {
  return ivfpq_scan_ratio(s.nlist, s.opq) * static_cast<double>(s.nprobe) * static_cast<double>(s.vectors) /
         static_cast<double>(s.nlist);
}

}  // namespace orrery::task
