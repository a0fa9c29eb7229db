# SPDX-License-Identifier: MIT
# Warnings, visibility and sanitizers shared by every target of the project.

set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
                    -Woverloaded-virtual -Wformat=2)
if(PEAL_WERROR)
    add_compile_options(-Werror)
endif()

# Qt's own string literals and casts are what we want everywhere.
add_compile_definitions(QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
                        QT_NO_CAST_FROM_BYTEARRAY QT_USE_QSTRINGBUILDER QT_NO_KEYWORDS)

# A faster link where lld is installed (scripts/common.sh installs it): the suite links about
# fifty executables and modules, under ASan each one large.
if(PEAL_FAST_LINKER)
    find_program(PEAL_LLD ld.lld)
    if(PEAL_LLD)
        add_link_options(-fuse-ld=lld)
    endif()
endif()

if(PEAL_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()
