# Routes compilations through ccache when it is installed and PROTOSEG_USE_CCACHE=1.
# Paths are made relative to the source tree (so clones in other folders share the cache) and
# the sloppiness that precompiled headers need is enabled (else ccache refuses every call).
if(PROTOSEG_USE_CCACHE)
  find_program(PROTOSEG_CCACHE_PROGRAM ccache)
  if(PROTOSEG_CCACHE_PROGRAM)
    set(protoseg_ccache_launcher
        "${CMAKE_COMMAND}" -E env "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}"
        "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
        "${PROTOSEG_CCACHE_PROGRAM}")
    set(CMAKE_C_COMPILER_LAUNCHER ${protoseg_ccache_launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${protoseg_ccache_launcher})
    message(STATUS "protoseg: compiling through ${PROTOSEG_CCACHE_PROGRAM}")
  endif()
endif()
