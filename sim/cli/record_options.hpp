// `orrery run`'s recording options: which part of the timeline -o and
// --trace write (devices, a time window, spans and/or counters).
#pragma once

#include <boost/program_options.hpp>

#include "sim/trace/record_selection.hpp"

namespace orrery::cli {

void add_record_options(boost::program_options::options_description& d);

// The selection the options ask for (everything when none is given). Throws
// ConfigError naming the option for a bad value, or for a recording option
// given without -o or --trace (it would record nothing).
[[nodiscard]] trace::RecordSelection record_selection(const boost::program_options::variables_map& vm);

}  // namespace orrery::cli
