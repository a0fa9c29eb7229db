# SPDX-License-Identifier: MIT
# What `cmake --install` puts where (the same layout as the build tree), the plugin SDK's CMake
# package, and the packages CPack makes: a .deb and a relocatable .tar.gz.

include(CMakePackageConfigHelpers)

# The executable and its helpers.
install(TARGETS peal RUNTIME DESTINATION "${PEAL_INSTALL_BINDIR}")
install(TARGETS peal-demo-agent peal-demo-stet peal-model-server RUNTIME DESTINATION "${PEAL_INSTALL_LIBDIR}")

# libpealcore and the plugin SDK: only peal/sdk/*.h is installed (the rest of the core's headers
# are internal, and free to change); docs/plugins.md says what may change them.
install(TARGETS pealcore pealsdk EXPORT PealTargets
    LIBRARY DESTINATION "${PEAL_INSTALL_LIBDIR}"
    INCLUDES DESTINATION "${PEAL_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/core/sdk/include/peal/sdk" DESTINATION "${PEAL_INSTALL_INCLUDEDIR}/peal")
install(FILES "${PROJECT_BINARY_DIR}/core/sdk/include/peal/sdk/export.h"
              "${PROJECT_BINARY_DIR}/core/sdk/include/peal/sdk/version.h"
        DESTINATION "${PEAL_INSTALL_INCLUDEDIR}/peal/sdk")

set(PEAL_INSTALL_CMAKEDIR "lib/cmake/Peal")
install(EXPORT PealTargets NAMESPACE Peal:: DESTINATION "${PEAL_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/PealConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/cmake/PealConfig.cmake"
    INSTALL_DESTINATION "${PEAL_INSTALL_CMAKEDIR}")
# A plugin's sources build against any later SDK of the same major version; the ABI number, not
# the version, decides what a built plugin loads in (docs/plugins.md).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/cmake/PealConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/cmake/PealConfig.cmake"
              "${PROJECT_BINARY_DIR}/cmake/PealConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/PealPlugin.cmake"
        DESTINATION "${PEAL_INSTALL_CMAKEDIR}")

# Examples, documentation.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/share/peal/" DESTINATION "${PEAL_INSTALL_DATADIR}" USE_SOURCE_PERMISSIONS)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# ---- packages ----
set(CPACK_PACKAGE_NAME peal)
set(CPACK_PACKAGE_VENDOR "peal developers")
set(CPACK_PACKAGE_CONTACT "peal developers <peal@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_GENERATOR DEB RPM TGZ)
set(CPACK_PACKAGE_FILE_NAME "peal_${PROJECT_VERSION}_${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_STRIP_FILES ON)
# The tarball unpacks into one directory that works wherever it is moved ($ORIGIN run paths).
set(CPACK_ARCHIVE_COMPONENT_INSTALL OFF)
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)

set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps derives the library packages (Qt 6 Core, toml++, libstdc++) from the binaries;
# git is run, not linked, so it is declared by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/${PEAL_INSTALL_LIBDIR}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "git")
# Building plugins against the SDK needs a compiler, CMake and the Qt headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "qt6-base-dev, cmake, g++")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Plan-Execute-Address Loop: runs a coding-agent CLI over a markdown plan of tasks\n"
    " peal turns a plan of small tasks into executed work in a git repository: for each\n"
    " task it runs a coding agent to plan and execute it, then a reviewer (stet) whose\n"
    " findings the agent addresses. Includes the plugin SDK (headers and CMake package).")
# The .rpm: the same files under /usr; rpmbuild finds the libraries it needs from the binaries.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "MIT")
set(CPACK_RPM_PACKAGE_GROUP "Development/Tools")
set(CPACK_RPM_PACKAGE_REQUIRES "git")
set(CPACK_RPM_PACKAGE_DESCRIPTION
    "peal turns a plan of small tasks into executed work in a git repository: for each task it runs a coding agent "
    "to plan and execute it, then a reviewer (stet) whose findings the agent addresses. Includes the plugin SDK "
    "(headers and CMake package).")
# Directories that belong to the system, not to peal.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /usr/share/man /usr/share/man/man1 /usr/lib/cmake
    /usr/share/bash-completion /usr/share/bash-completion/completions /usr/share/zsh
    /usr/share/zsh/vendor-completions /usr/include)
# The tarball carries the libraries it needs beyond glibc (cmake/BundleLibraries.cmake).
set(CPACK_PRE_BUILD_SCRIPTS "${PROJECT_SOURCE_DIR}/cmake/BundleLibraries.cmake")
# The .deb and the .rpm install under /usr; the tarball holds bin/, lib/, share/ directly.
include(CPack)
