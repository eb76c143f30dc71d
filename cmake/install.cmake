# `cmake --install BUILD --prefix P`: a relocatable tree.
#   P/bin/orrery                       the program (and orrery-calibrate where CUDA built it)
#   P/share/orrery/models/...          device files and calibration tables: what models/data_dir reads,
#                                      found by the program as <its folder>/../share/orrery
#   P/share/orrery/scenarios/          the shipped scenarios and their traces
#   P/share/orrery/scripts/            sweeps, the HDF5 reader, plots, notebooks
#   P/include/orrery/...               the engine's headers, included as in the source tree
#                                      ("topologies/fat_tree.hpp")
#   P/lib/liborrery_*.a, P/lib/cmake/orrery/
#                                      the engine's libraries and a CMake package:
#                                      find_package(orrery) gives orrery::core, orrery::topologies, ...,
#                                      orrery::run (each library's name without its orrery_ prefix)
# Every path in the tree is relative to the prefix, so it may be moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The engine's static libraries: every orrery_* library the folders added so
# far define, so that a library a folder adds is exported without a line here
# (orrery_calibration_host belongs to orrery-calibrate, not to the engine).
function(orrery_collect_libraries dir out)
  set(found)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" AND t MATCHES "^orrery_" AND NOT t STREQUAL "orrery_calibration_host")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    orrery_collect_libraries(${sub} more)
    list(APPEND found ${more})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# From the top: every folder added so far (tests come after this file).
orrery_collect_libraries(${PROJECT_SOURCE_DIR} ORRERY_LIBRARIES)

# Include folders are the source tree and the generated headers while
# building, include/orrery once installed.
foreach(t IN LISTS ORRERY_LIBRARIES)
  string(REGEX REPLACE "^orrery_" "" short ${t})
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${short})
  foreach(property INTERFACE_INCLUDE_DIRECTORIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES)
    get_target_property(dirs ${t} ${property})
    if(NOT dirs)
      continue()
    endif()
    set(fixed)
    foreach(d IN LISTS dirs)
      if(d MATCHES "^\\$<")
        list(APPEND fixed "${d}")
      else()
        list(APPEND fixed "$<BUILD_INTERFACE:${d}>")
      endif()
    endforeach()
    if(property STREQUAL "INTERFACE_INCLUDE_DIRECTORIES")
      list(APPEND fixed "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/orrery>")
    endif()
    set_target_properties(${t} PROPERTIES ${property} "${fixed}")
  endforeach()
endforeach()

install(TARGETS orrery RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET orrery-calibrate)
  install(TARGETS orrery-calibrate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(TARGETS ${ORRERY_LIBRARIES} EXPORT orreryTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Data: what models/data_dir.cpp looks for under share/orrery.
set(ORRERY_SHARE ${CMAKE_INSTALL_DATAROOTDIR}/orrery)
install(DIRECTORY models/devices/ DESTINATION ${ORRERY_SHARE}/models/devices FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY models/calibration/tables/ DESTINATION ${ORRERY_SHARE}/models/calibration/tables)
install(DIRECTORY scenarios/ DESTINATION ${ORRERY_SHARE}/scenarios PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY scripts/ DESTINATION ${ORRERY_SHARE}/scripts USE_SOURCE_PERMISSIONS
        FILES_MATCHING
        PATTERN "sweep*.sh"
        PATTERN "orrery_h5*.py"
        PATTERN "orrery_plot*.py"
        PATTERN "plot_*.py"
        PATTERN "RESULTS_LAYOUT.md"
        PATTERN "*.ipynb"
        REGEX "/orrery_plots/[^/]*\\.py$"
        PATTERN "__pycache__" EXCLUDE
        PATTERN ".ipynb_checkpoints" EXCLUDE)
install(FILES README.md docs/ARCHITECTURE.md docs/CONTRACTS.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Headers, in the source tree's layout, and the generated ones.
foreach(folder sim topologies workloads models)
  install(DIRECTORY ${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/orrery/${folder}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "cuda" EXCLUDE)
endforeach()
install(DIRECTORY ${CMAKE_BINARY_DIR}/generated/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/orrery
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

# The CMake package.
set(ORRERY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/orrery)
# Packages beyond those every build needs (orreryConfig.cmake.in finds those):
# Protobuf, where a library links it (the Chakra trace schema). Its imported
# target belongs to the folder that found it, so the link lists are read.
set(ORRERY_FIND_DEPENDENCIES "")
foreach(t IN LISTS ORRERY_LIBRARIES)
  get_target_property(links ${t} INTERFACE_LINK_LIBRARIES)
  if(links MATCHES "protobuf::")
    set(ORRERY_FIND_DEPENDENCIES "find_dependency(Protobuf)")
  endif()
endforeach()
install(EXPORT orreryTargets NAMESPACE orrery:: DESTINATION ${ORRERY_CMAKE_DIR})
configure_package_config_file(cmake/orreryConfig.cmake.in ${CMAKE_BINARY_DIR}/orreryConfig.cmake
                              INSTALL_DESTINATION ${ORRERY_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/orreryConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/orreryConfig.cmake ${CMAKE_BINARY_DIR}/orreryConfigVersion.cmake
        DESTINATION ${ORRERY_CMAKE_DIR})

include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
