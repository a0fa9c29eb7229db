# SPDX-License-Identifier: MIT
# The fingerprint of the plugin SDK: a hash of the installed SDK headers with comments and
# white space taken out, recorded with the plugin ABI number it belongs to. A change of the
# headers without a new PEAL_PLUGIN_ABI fails the test `sdk_fingerprint`.
#
#   cmake -DSDK_DIR=<dir> -DABI=<n> -DRECORD=<file> [-DUPDATE=ON] -P SdkFingerprint.cmake
#
# UPDATE=ON writes the record (after bumping PEAL_PLUGIN_ABI in the top CMakeLists.txt):
#   cmake -DSDK_DIR=core/include/peal -DABI=<n> -DRECORD=cmake/sdk-fingerprint.txt -DUPDATE=ON \
#         -P cmake/SdkFingerprint.cmake

file(GLOB headers "${SDK_DIR}/*.h")
list(SORT headers)
set(all "")
foreach(header IN LISTS headers)
    file(READ "${header}" text)
    string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
    string(REGEX REPLACE "//[^\n]*" "" text "${text}")
    string(REGEX REPLACE "[ \t\r\n]+" " " text "${text}")
    get_filename_component(name "${header}" NAME)
    string(APPEND all "${name}:${text}\n")
endforeach()
string(SHA256 hash "${all}")
list(LENGTH headers count)

if(UPDATE)
    file(WRITE "${RECORD}" "${ABI} ${hash}\n")
    message(STATUS "recorded the SDK fingerprint for ABI ${ABI}: ${hash} (${count} headers)")
    return()
endif()

file(READ "${RECORD}" recorded)
string(STRIP "${recorded}" recorded)
string(REPLACE " " ";" recorded "${recorded}")
list(GET recorded 0 recordedAbi)
list(GET recorded 1 recordedHash)
if(recordedHash STREQUAL hash AND recordedAbi STREQUAL ABI)
    message(STATUS "SDK fingerprint matches ABI ${ABI} (${count} headers)")
    return()
endif()
set(update "cmake -DSDK_DIR=${SDK_DIR} -DABI=<n> -DRECORD=${RECORD} -DUPDATE=ON -P ${CMAKE_CURRENT_LIST_FILE}")
if(NOT recordedHash STREQUAL hash AND recordedAbi STREQUAL ABI)
    message(FATAL_ERROR "the SDK headers (${SDK_DIR}) changed but PEAL_PLUGIN_ABI is still ${ABI}: plugins built "
                        "against the old headers would load and misbehave. Bump PEAL_PLUGIN_ABI in CMakeLists.txt, "
                        "then record the new fingerprint: ${update}")
endif()
message(FATAL_ERROR "PEAL_PLUGIN_ABI is ${ABI} but ${RECORD} records ABI ${recordedAbi}: record the fingerprint "
                    "for the new ABI: ${update}")
