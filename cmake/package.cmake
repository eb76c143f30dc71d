# `cpack -G DEB` in the build folder: a Debian package of what
# cmake/install.cmake installs, under /usr. Its Depends are the packages that
# hold the shared libraries the program links, as dpkg-shlibdeps (part of
# build-essential) names them, found when cpack runs (cmake/cpack_project.cmake.in:
# one call on bin/orrery, where CPack's own SHLIBDEPS would run `file` on every
# installed header); without dpkg-shlibdeps, the names below, Debian 12's.
# orrery-calibrate, built only where CUDA is, needs the CUDA libraries it was
# built with, which the package does not name.
set(CPACK_PACKAGE_NAME orrery)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "orrery developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "discrete-event simulator of AI clusters")
set(CPACK_PACKAGE_DESCRIPTION
    "orrery simulates training and serving on clusters of accelerators: devices, node fabrics and \
scale-out topologies, collectives, pipeline schedules, failures. It ships the program, the device and \
calibration data, the scenarios, the scripts, and the engine's static libraries with a CMake package \
(find_package(orrery)).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
string(REGEX MATCH "^[0-9]+" fmt_major "${fmt_VERSION}")
string(REGEX MATCH "^[0-9]+\\.[0-9]+" yaml_minor "${yaml-cpp_VERSION}")
set(ORRERY_DEBIAN_DEPENDS
    "libc6, libstdc++6, libfmt${fmt_major}, libyaml-cpp${yaml_minor}, \
libboost-graph${Boost_MAJOR_VERSION}.${Boost_MINOR_VERSION}.0, \
libboost-program-options${Boost_MAJOR_VERSION}.${Boost_MINOR_VERSION}.0, libhdf5-103-1")
configure_file(${CMAKE_CURRENT_LIST_DIR}/cpack_project.cmake.in ${CMAKE_BINARY_DIR}/cpack_project.cmake.gen @ONLY)
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/cpack_project.cmake INPUT ${CMAKE_BINARY_DIR}/cpack_project.cmake.gen)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/cpack_project.cmake)
# The scripts read results with Python; the CMake package links the libraries
# these -dev packages provide.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-numpy, python3-h5py")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "cmake, libfmt-dev, libyaml-cpp-dev, libboost-graph-dev, libhdf5-dev, python3-pandas, python3-matplotlib")
include(CPack)
