# SPDX-License-Identifier: MIT
# peal_add_plugin(<id> ROLE <agent|reviewer|phase> DESCRIPTION <text> SOURCES <files...>
#                 [VERSION <x.y.z>] [OUTPUT_DIRECTORY <dir>] [MANIFEST_ABI <n>] [NO_INSTALL])
#
# Builds the MODULE library `peal-<id>.so` with hidden visibility, writes its manifest
# `<id>.plugin.json` beside it in lib/peal/plugins, and installs both there.

function(peal_add_plugin id)
    cmake_parse_arguments(ARG "NO_INSTALL" "ROLE;DESCRIPTION;VERSION;MANIFEST_ABI;OUTPUT_DIRECTORY"
                          "SOURCES" ${ARGN})
    if(NOT ARG_ROLE OR NOT ARG_DESCRIPTION OR NOT ARG_SOURCES)
        message(FATAL_ERROR "peal_add_plugin(${id}): ROLE, DESCRIPTION and SOURCES are required")
    endif()
    if(NOT ARG_VERSION)
        set(ARG_VERSION "${PROJECT_VERSION}")
    endif()
    if(NOT ARG_OUTPUT_DIRECTORY)
        set(ARG_OUTPUT_DIRECTORY "${PEAL_PLUGIN_OUTPUT_DIRECTORY}")
    endif()
    if(NOT DEFINED ARG_MANIFEST_ABI)
        set(ARG_MANIFEST_ABI "${PEAL_PLUGIN_ABI}")
    endif()
    set(target "peal_plugin_${id}")
    add_library(${target} MODULE ${ARG_SOURCES})
    target_link_libraries(${target} PRIVATE Peal::core)
    set_target_properties(${target} PROPERTIES
        PREFIX ""
        OUTPUT_NAME "peal-${id}"
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}"
        INSTALL_RPATH "${PEAL_PLUGIN_RPATH}")
    string(REPLACE "\"" "\\\"" description "${ARG_DESCRIPTION}")
    set(manifest "{\n  \"id\": \"${id}\",\n  \"version\": \"${ARG_VERSION}\",\n  \"abi\": ${ARG_MANIFEST_ABI},\n  \"role\": \"${ARG_ROLE}\",\n  \"description\": \"${description}\",\n  \"library\": \"peal-${id}.so\"\n}\n")
    file(GENERATE OUTPUT "${ARG_OUTPUT_DIRECTORY}/${id}.plugin.json" CONTENT "${manifest}")
    if(NOT ARG_NO_INSTALL)
        install(TARGETS ${target} LIBRARY DESTINATION "${PEAL_INSTALL_PLUGINDIR}")
        install(FILES "${ARG_OUTPUT_DIRECTORY}/${id}.plugin.json"
                DESTINATION "${PEAL_INSTALL_PLUGINDIR}")
    endif()
endfunction()
