// The subcommands of `orrery`, each parsing its own options.
#pragma once

namespace orrery::cli {

// Picks the subcommand from argv[1]; returns the exit status or throws.
int dispatch(int argc, char** argv);

}  // namespace orrery::cli
