// How far a long computation has come, for a progress display: the phase
// ("iteration", "long horizon") and the fraction done (0 to 1). Called from
// any thread; an empty function reports nothing.
#pragma once

#include <functional>
#include <string_view>

namespace orrery {

using ProgressFn = std::function<void(std::string_view phase, double fraction)>;

}  // namespace orrery
