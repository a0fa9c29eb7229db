# SPDX-License-Identifier: MIT
# peal_add_plugin(<id> ROLE <agent|reviewer|phase|executor> DESCRIPTION <text> SOURCES <files...>
#                 [NEEDS <agent|reviewer>...] [VERSION <x.y.z>] [OUTPUT_DIRECTORY <dir>]
#                 [MANIFEST_ABI <n>] [NO_INSTALL])
#
# NEEDS (phase plugins): what the phase uses from the run. A phase that needs a reviewer makes
# the run start its review session, and is skipped when the run has none.
#
# Builds the MODULE library `peal-<id>.so` with hidden visibility, writes its manifest
# `<id>.plugin.json` beside it, and installs both into lib/peal/plugins.
#
# This file serves peal's own build and, installed with the SDK, third-party plugins
# (find_package(Peal) includes it). Defaults that callers may set before calling:
#   PEAL_PLUGIN_OUTPUT_DIRECTORY  where the library and manifest are built
#                                 (peal's build: lib/peal/plugins; elsewhere: <build>/plugins)
#   PEAL_PLUGIN_NO_INSTALL        when true, no install rules (like NO_INSTALL)

function(peal_add_plugin id)
    cmake_parse_arguments(ARG "NO_INSTALL" "ROLE;DESCRIPTION;VERSION;MANIFEST_ABI;OUTPUT_DIRECTORY"
                          "SOURCES;NEEDS" ${ARGN})
    if(NOT ARG_ROLE OR NOT ARG_DESCRIPTION OR NOT ARG_SOURCES)
        message(FATAL_ERROR "peal_add_plugin(${id}): ROLE, DESCRIPTION and SOURCES are required")
    endif()
    if(NOT ARG_ROLE MATCHES "^(agent|reviewer|phase|executor)$")
        message(FATAL_ERROR "peal_add_plugin(${id}): ROLE must be agent, reviewer, phase or executor, not '${ARG_ROLE}'")
    endif()
    if(NOT id MATCHES "^[a-z0-9_-]+$")
        message(FATAL_ERROR "peal_add_plugin(${id}): the id may use only a-z, 0-9, '-' and '_'")
    endif()
    set(needs "")
    foreach(need IN LISTS ARG_NEEDS)
        if(NOT need MATCHES "^(agent|reviewer)$")
            message(FATAL_ERROR "peal_add_plugin(${id}): NEEDS takes agent and reviewer, not '${need}'")
        endif()
        if(needs)
            string(APPEND needs ", ")
        endif()
        string(APPEND needs "\"${need}\"")
    endforeach()
    if(NOT ARG_VERSION)
        set(ARG_VERSION "${PROJECT_VERSION}")
    endif()
    if(NOT ARG_OUTPUT_DIRECTORY)
        if(PEAL_PLUGIN_OUTPUT_DIRECTORY)
            set(ARG_OUTPUT_DIRECTORY "${PEAL_PLUGIN_OUTPUT_DIRECTORY}")
        else()
            set(ARG_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
        endif()
    endif()
    if(NOT DEFINED ARG_MANIFEST_ABI)
        set(ARG_MANIFEST_ABI "${PEAL_PLUGIN_ABI}")
    endif()
    set(target "peal_plugin_${id}")
    add_library(${target} MODULE ${ARG_SOURCES})
    target_link_libraries(${target} PRIVATE Peal::sdk)
    set_target_properties(${target} PROPERTIES
        PREFIX ""
        OUTPUT_NAME "peal-${id}"
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}"
        INSTALL_RPATH "$ORIGIN/..")
    string(REPLACE "\"" "\\\"" description "${ARG_DESCRIPTION}")
    set(manifest "{\n  \"id\": \"${id}\",\n  \"version\": \"${ARG_VERSION}\",\n  \"abi\": ${ARG_MANIFEST_ABI},\n  \"role\": \"${ARG_ROLE}\",\n  \"needs\": [${needs}],\n  \"description\": \"${description}\",\n  \"library\": \"peal-${id}.so\"\n}\n")
    file(GENERATE OUTPUT "${ARG_OUTPUT_DIRECTORY}/${id}.plugin.json" CONTENT "${manifest}")
    if(NOT ARG_NO_INSTALL AND NOT PEAL_PLUGIN_NO_INSTALL)
        install(TARGETS ${target} LIBRARY DESTINATION "lib/peal/plugins")
        install(FILES "${ARG_OUTPUT_DIRECTORY}/${id}.plugin.json" DESTINATION "lib/peal/plugins")
    endif()
endfunction()

# peal_add_plugin_library(<name> SOURCES <files...> [LIBRARIES <libs...>]): a static library of
# plugin code (position-independent, hidden symbols, built against Peal::sdk) that plugins link
# and tests can link too, with its directory on the include path.
function(peal_add_plugin_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}")
    target_link_libraries(${name} PUBLIC Peal::sdk ${ARG_LIBRARIES})
    set_target_properties(${name} PROPERTIES
        POSITION_INDEPENDENT_CODE ON
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
endfunction()
