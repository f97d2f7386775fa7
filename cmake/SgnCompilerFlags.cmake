# Warnings and sanitizers for every target in the project.
add_compile_definitions(_POSIX_C_SOURCE=200809L _DEFAULT_SOURCE OPENSSL_API_COMPAT=30000
                        OPENSSL_NO_DEPRECATED SGN_VERSION="${PROJECT_VERSION}")
add_compile_options(-Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wno-unused-parameter -fno-common)
if(SGN_WERROR)
  add_compile_options(-Werror)
endif()
if(SGN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SGN_STATIC)
  # Reproducible: no build path in the output (sources and build tree mapped to fixed names), no
  # build id, deterministic archives, a stripped fully static executable (no PT_INTERP, no
  # PT_DYNAMIC: -static, not -static-pie).
  # (the last matching map wins: the build tree may sit inside the source tree)
  add_compile_options(-ffile-prefix-map=${CMAKE_SOURCE_DIR}=. -ffile-prefix-map=${CMAKE_BINARY_DIR}=build)
  foreach(_p IN LISTS SGN_STATIC_PREFIXES)
    get_filename_component(_n "${_p}" NAME)
    add_compile_options(-ffile-prefix-map=${_p}=/deps/${_n})
  endforeach()
  # Only what the plugin reaches: every function and object in its own section (the
  # dependencies are built the same way) and the rest dropped at the link.
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-static -s -Wl,--build-id=none -Wl,--gc-sections)
  set(CMAKE_C_ARCHIVE_CREATE "<CMAKE_AR> qcD <TARGET> <LINK_FLAGS> <OBJECTS>")
  set(CMAKE_C_ARCHIVE_APPEND "<CMAKE_AR> qD <TARGET> <LINK_FLAGS> <OBJECTS>")
  set(CMAKE_C_ARCHIVE_FINISH "<CMAKE_RANLIB> -D <TARGET>")
endif()
