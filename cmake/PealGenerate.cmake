# SPDX-License-Identifier: MIT
# cmake -DPEAL=<peal> "-DARGS=<arguments separated by spaces>" -DOUTPUT=<file> -P PealGenerate.cmake
# Writes what `peal <ARGS>` prints to OUTPUT: the man page and shell completions are generated
# by peal itself from its option tables, so they cannot drift from --help.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PEAL}" ${args} OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    file(REMOVE "${OUTPUT}.tmp")
    message(FATAL_ERROR "peal ${ARGS} failed (${status})")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
