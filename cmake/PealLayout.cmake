# SPDX-License-Identifier: MIT
# The build tree mirrors the install tree, so the executable finds libpealcore, its plugins and
# share/peal the same way in a build directory, an installed prefix or an unpacked tarball.

set(PEAL_INSTALL_BINDIR "${CMAKE_INSTALL_BINDIR}")                 # bin
set(PEAL_INSTALL_LIBDIR "lib/peal")                                # libpealcore.so
set(PEAL_INSTALL_PLUGINDIR "lib/peal/plugins")                     # plugin modules + manifests
set(PEAL_INSTALL_DATADIR "${CMAKE_INSTALL_DATAROOTDIR}/peal")      # share/peal
set(PEAL_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")         # include/peal/*.h

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/${PEAL_INSTALL_BINDIR}")
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/${PEAL_INSTALL_LIBDIR}")
set(PEAL_PLUGIN_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/${PEAL_INSTALL_PLUGINDIR}")
set(PEAL_DATA_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/${PEAL_INSTALL_DATADIR}")

# $ORIGIN-relative run paths: the same binaries work from any prefix.
set(CMAKE_BUILD_RPATH_USE_ORIGIN ON)
set(CMAKE_SKIP_BUILD_RPATH OFF)
set(CMAKE_BUILD_WITH_INSTALL_RPATH ON)
set(PEAL_EXECUTABLE_RPATH "$ORIGIN/../${PEAL_INSTALL_LIBDIR}")
set(PEAL_PLUGIN_RPATH "$ORIGIN/..")
