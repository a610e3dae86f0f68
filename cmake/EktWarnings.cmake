# Warnings on for the project's own code; libtorch's headers come in as SYSTEM includes
# (imported targets), so they do not trip -Werror.
option(EKT_WERROR "Treat compiler warnings as errors" ON)

function(ekt_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wcast-align -Wunused -Wnull-dereference)
  if(EKT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
