# Finds every third-party package. LibTorch comes from find_package(Torch): Debian's CPU
# build by default, any other (e.g. a CUDA LibTorch) through CMAKE_PREFIX_PATH.
find_package(Torch REQUIRED)
find_package(Threads REQUIRED)
if(PROTOSEG_CORE_ONLY)
  return()  # the tensor core needs LibTorch alone
endif()
find_package(ZLIB REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(ITK REQUIRED COMPONENTS ITKCommon ITKIOImageBase ITKIONIFTI ITKIOMeta ITKIONRRD
             ITKIOGDCM)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 QUIET CONFIG)
if(NOT CLI11_FOUND)
  find_path(PROTOSEG_CLI11_INCLUDE CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE "${PROTOSEG_CLI11_INCLUDE}")
endif()
find_package(nlohmann_json REQUIRED)
