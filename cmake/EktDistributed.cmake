# c10d (torch.distributed's C++ core) ships inside libtorch, and TorchConfig already defines
# USE_DISTRIBUTED / USE_C10D_GLOO (and USE_C10D_NCCL in CUDA builds that have NCCL) as libtorch
# was built. The Gloo process group's header includes Gloo's own headers (Debian: libgloo-dev).
find_path(EKT_GLOO_INCLUDE gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
if(NOT EKT_GLOO_INCLUDE)
  message(FATAL_ERROR "ekt: Gloo headers not found (Debian: apt-get install libgloo-dev)")
endif()
target_include_directories(ektcore_objects SYSTEM PUBLIC ${EKT_GLOO_INCLUDE})

# The NCCL process group's header includes nccl.h, which PyPI's torch leaves to the
# nvidia-nccl wheel (site-packages/nvidia/nccl: pass that directory in CMAKE_PREFIX_PATH).
set(EKT_HAS_NCCL OFF)
if(TARGET torch_cuda)
  get_target_property(EKT_TORCH_CUDA_DEFS torch_cuda INTERFACE_COMPILE_DEFINITIONS)
  if("USE_C10D_NCCL" IN_LIST EKT_TORCH_CUDA_DEFS)
    find_path(EKT_NCCL_INCLUDE nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    if(NOT EKT_NCCL_INCLUDE)
      message(FATAL_ERROR "ekt: libtorch was built with NCCL but nccl.h is not found "
                          "(pip: nvidia-nccl-cu13; add its directory to CMAKE_PREFIX_PATH)")
    endif()
    target_include_directories(ektcore_objects SYSTEM PUBLIC ${EKT_NCCL_INCLUDE})
    set(EKT_HAS_NCCL ON)
  endif()
endif()
message(STATUS "ekt: NCCL process group ${EKT_HAS_NCCL}")
# The CI's CUDA build check (scripts/cuda-build.sh) must not pass by quietly building without CUDA.
option(EKT_REQUIRE_CUDA "Fail unless libtorch has CUDA and NCCL" OFF)
if(EKT_REQUIRE_CUDA AND NOT (EKT_HAS_CUDA AND EKT_HAS_NCCL))
  message(FATAL_ERROR "ekt: EKT_REQUIRE_CUDA is set but CUDA is ${EKT_HAS_CUDA} and NCCL ${EKT_HAS_NCCL}")
endif()
