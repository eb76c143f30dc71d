// The `orrery` program: run, check, list, describe and topo. This is the only
// place that catches errors, prints them and picks the exit status:
// 0 success; 1 the scenario is valid but infeasible or the simulation failed;
// 2 usage or configuration error.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>
#include <new>
#include <stdexcept>

#include "orrery/version.hpp"
#include "sim/cli/commands.hpp"
#include "sim/core/error.hpp"
#include "sim/trace/atomic_file.hpp"
#include "sim/trace/writers.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  orrery::trace::hdf5_no_exit_cleanup();
  orrery::trace::remove_temporaries_on_signals();
  try {
    return orrery::cli::dispatch(argc, argv);
  } catch (const orrery::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "error: " << e.what() << "\n(see `orrery --help`)\n";
    return 2;
  } catch (const orrery::InfeasibleError& e) {
    std::cerr << "error: infeasible: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: infeasible: the simulation needs more memory than this machine has (its graph, routes or a "
                 "collective's plan): reduce the scenario's size (nodes, global_batch, a collective's group)\n";
    return 1;
  } catch (const std::length_error& e) {
    std::cerr << "error: infeasible: the simulation asked for a container larger than memory can hold (" << e.what()
              << "): reduce the scenario's size\n";
    return 1;
  } catch (const std::logic_error& e) {
    // A bug of orrery's, not of the scenario: say so, so that it gets reported.
    std::cerr << "error: internal error (please report it with the scenario): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
