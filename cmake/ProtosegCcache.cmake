# Routes compilations through ccache when it is installed and PROTOSEG_USE_CCACHE=1.
if(PROTOSEG_USE_CCACHE)
  find_program(PROTOSEG_CCACHE_PROGRAM ccache)
  if(PROTOSEG_CCACHE_PROGRAM)
    set(CMAKE_C_COMPILER_LAUNCHER "${PROTOSEG_CCACHE_PROGRAM}")
    set(CMAKE_CXX_COMPILER_LAUNCHER "${PROTOSEG_CCACHE_PROGRAM}")
    message(STATUS "protoseg: compiling through ${PROTOSEG_CCACHE_PROGRAM}")
  endif()
endif()
