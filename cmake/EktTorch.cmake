# Locate a libtorch that ships C++ headers and TorchConfig.cmake.
#  - Debian/Ubuntu: `apt-get install libtorch-dev` (CPU; found without hints).
#  - GPU hosts: pass -DTorch_DIR=<libtorch>/share/cmake/Torch, or point CMAKE_PREFIX_PATH at
#    `python3 -c "import torch; print(torch.utils.cmake_prefix_path)"`.
# The bytedeco libtorch preset jars carry no headers and must not be mixed into the process.
find_package(Torch REQUIRED)
message(STATUS "ekt: libtorch ${Torch_VERSION} from ${Torch_DIR}")

# TORCH_CXX_FLAGS carries the ABI define the libtorch was built with; it must match ours.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")

if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(EKT_HAS_CUDA ON)
else()
  set(EKT_HAS_CUDA OFF)
endif()
message(STATUS "ekt: CUDA support ${EKT_HAS_CUDA}")
