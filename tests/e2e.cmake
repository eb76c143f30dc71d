# End-to-end tests: the `orrery` program, the result files and the scripts.
find_program(ORRERY_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT ORRERY_PYTHON)
  find_program(ORRERY_PYTHON NAMES python3 REQUIRED)
endif()
set(ORRERY_BIN $<TARGET_FILE:orrery>)
set(QUICKSTART ${PROJECT_SOURCE_DIR}/scenarios/quickstart.yaml)
set(TRAFFIC ${PROJECT_SOURCE_DIR}/scenarios/traffic_allreduce.yaml)

add_test(NAME cli_bad_inputs COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/bad_inputs.sh ${ORRERY_BIN} ${QUICKSTART} ${TRAFFIC})
add_test(NAME cli_record_options
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/record_options.sh ${ORRERY_BIN} ${QUICKSTART} ${ORRERY_PYTHON})
add_test(NAME docs_current
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/docs_current.sh ${ORRERY_BIN} ${PROJECT_SOURCE_DIR}/scenarios/README.md)
add_test(NAME cli_progress COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/progress.sh ${ORRERY_BIN} ${QUICKSTART} ${ORRERY_PYTHON})
add_test(NAME cli_signal_cleanup
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/signal_cleanup.sh ${ORRERY_BIN} ${PROJECT_SOURCE_DIR}/scenarios/megatron_1t.yaml)
set_tests_properties(cli_signal_cleanup PROPERTIES SKIP_RETURN_CODE 77)
# A write error (the file size limit standing in for a full disk): exit 1, nothing left.
add_test(NAME cli_full_disk
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/full_disk.sh ${ORRERY_BIN} ${PROJECT_SOURCE_DIR}/scenarios/gpipe_training.yaml)
# Every published comparison within its bound, and scenarios/README.md's table as this build prints it.
# Each calibrated family of the H200 table predicts its own rows left out one at a time within its
# bound (tests/scripts/test_leave_one_out.py; models/calibration/README.md, "Leave-one-out").
add_test(NAME calibration_leave_one_out
         COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_leave_one_out.py ${ORRERY_BIN})

add_test(NAME validation_report
         COMMAND ${ORRERY_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/validate.py ${ORRERY_BIN} --check --jobs 2
                 --readme ${PROJECT_SOURCE_DIR}/scenarios/README.md)
set_tests_properties(validation_report PROPERTIES TIMEOUT 300)

# The quickstart's result file, read back by the Python reader and the notebook.
add_test(NAME quickstart_run
         COMMAND ${ORRERY_BIN} run ${QUICKSTART} -o ${CMAKE_BINARY_DIR}/test_quickstart.h5
                 --trace ${CMAKE_BINARY_DIR}/test_quickstart.trace.json)
set_tests_properties(quickstart_run PROPERTIES FIXTURES_SETUP quickstart_h5)
add_test(NAME python_reader_and_notebook
         COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_orrery_h5.py ${CMAKE_BINARY_DIR}/test_quickstart.h5)
set_tests_properties(python_reader_and_notebook PROPERTIES FIXTURES_REQUIRED quickstart_h5 TIMEOUT 300)

# A serving run's /requests and /iterations recounted against its summary (tests/scripts/test_serving_h5.py).
add_test(NAME serving_results COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_serving_h5.py ${ORRERY_BIN}
         ${PROJECT_SOURCE_DIR}/scenarios/serving_trace.yaml)
# A neural_graphics run's /frames recounted against its summary (tests/scripts/test_frames_h5.py).
add_test(NAME frames_results COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_frames_h5.py ${ORRERY_BIN}
         ${PROJECT_SOURCE_DIR}/scenarios/neural_graphics_cluster.yaml)
add_test(NAME determinism COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_determinism.py ${ORRERY_BIN} ${QUICKSTART})
# Random valid scenarios of seven workloads (scripts/scenario_fuzz.py): exit statuses, error
# locations, finite summaries, determinism, --full against the symmetry reduction, -o against no
# output, and each workload's identities and closed forms. A fixed seed, so a failure reproduces; `--count 2000` for a long run.
add_test(NAME scenario_fuzz COMMAND ${ORRERY_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/scenario_fuzz.py ${ORRERY_BIN}
         --count 60 --seed 1 --out ${CMAKE_BINARY_DIR}/scenario_fuzz)
# scripts/sweep.sh here (test_sweep.sh) and on a single-node Slurm that test_sweep_slurm.sh starts
# and stops (skipped where slurm-wlm and munge are not installed). Scripts: once, in the release pass.
if(NOT ORRERY_SANITIZE)
  add_test(NAME sweep_2x2 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_sweep.sh ${ORRERY_BIN} ${QUICKSTART})
  add_test(NAME sweep_slurm COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_sweep_slurm.sh ${ORRERY_BIN} ${QUICKSTART})
  set_tests_properties(sweep_2x2 PROPERTIES TIMEOUT 300)
  set_tests_properties(sweep_slurm PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
  # 30 mutated scenarios through `orrery run -o`: exit 0/1/2 only, no signal,
  # no output left behind on failure, none far past its bound (scripts/fuzz_replay.py).
  add_test(NAME fuzz_replay COMMAND ${ORRERY_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/fuzz_replay.py ${ORRERY_BIN}
           --count 30 --seed 7 --jobs 1 --keep ${CMAKE_CURRENT_BINARY_DIR}/fuzz-replay-failures)
  set_tests_properties(fuzz_replay PROPERTIES TIMEOUT 300)
endif()
# scripts/scaling_study.sh on its two smallest points (tests/scripts/test_scaling_study.sh).
add_test(NAME scaling_study_smoke COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_scaling_study.sh ${ORRERY_BIN} ${ORRERY_PYTHON})

# orrery search on 36 plans of an 8-GPU job: the table against the axes and the runs, and its bad inputs.
add_test(NAME cli_search COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/search_cli.sh ${ORRERY_BIN} ${ORRERY_PYTHON})

# `orrery check` on every scenario that ships.
file(GLOB SCENARIOS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.yaml)
foreach(s ${SCENARIOS})
  get_filename_component(name ${s} NAME_WE)
  add_test(NAME check_scenario_${name} COMMAND ${ORRERY_BIN} check ${s})
endforeach()

# The layers of docs/ARCHITECTURE.md: no folder includes a folder above it.
add_test(NAME layers COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_layers.py ${PROJECT_SOURCE_DIR})

# Every shipped scenario's summary, byte for byte, against tests/golden/ (recorded
# with the build before a change; tests/cli/golden_summaries.sh says how). The
# release build runs them; under the sanitizers they would only repeat it slowly.
if(NOT ORRERY_SANITIZE)
  foreach(s ${SCENARIOS})
    get_filename_component(name ${s} NAME_WE)
    add_test(NAME golden_${name}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/golden_summaries.sh ${ORRERY_BIN} ${s} ${CMAKE_CURRENT_SOURCE_DIR}/golden)
    set_tests_properties(golden_${name} PROPERTIES TIMEOUT 600)
  endforeach()
endif()

# The import of kernel times measured elsewhere: the shipped H200 table regenerates, bad CSVs fail located.
add_test(NAME import_calibration_csv
         COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_import_calibration_csv.py ${PROJECT_SOURCE_DIR})

# scripts/orrery_plot.py: every plot kind, the numbers each draws, bad inputs; and the failures and
# sweeps notebooks headless (tests/scripts/test_plots.py). Python only: once, in the release pass.
if(NOT ORRERY_SANITIZE)
  add_test(NAME plots COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_plots.py ${ORRERY_BIN})
  add_test(NAME plot_notebooks
           COMMAND ${ORRERY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_plots.py ${ORRERY_BIN} --notebooks)
  set_tests_properties(plots plot_notebooks PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# Chakra traces on the command line: export, import, the example trace's generator, bad traces
# (tests/cli/chakra_cli.sh; the reader's errors run under the sanitizers in tests/workloads/chakra_*).
if(NOT ORRERY_SANITIZE)
  add_test(NAME cli_chakra
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/chakra_cli.sh ${ORRERY_BIN} ${PROJECT_SOURCE_DIR}/scenarios ${ORRERY_PYTHON})
endif()

# `orrery topo --dot/--graphml` and `kind: file` through the program: a fat tree's file reads back
# with the same report, a torus's with its routes too (tests/cli/topo_files.sh).
add_test(NAME cli_topo_files COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/topo_files.sh ${ORRERY_BIN})
# cmake --install to a prefix that is then moved, a project built against it, cpack -G DEB
# (tests/install/test_install.sh). Packaging, not sanitized code: once, in the release pass.
if(NOT ORRERY_SANITIZE)
  add_test(NAME install_tree COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/install/test_install.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(install_tree PROPERTIES TIMEOUT 300)
endif()
