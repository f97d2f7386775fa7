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
