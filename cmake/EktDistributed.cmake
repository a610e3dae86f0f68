# c10d (torch.distributed's C++ core) ships inside libtorch, and TorchConfig already defines
# USE_DISTRIBUTED / USE_C10D_GLOO (and USE_C10D_NCCL in CUDA builds that have NCCL) as libtorch
# was built. The Gloo process group's header includes Gloo's own headers (Debian: libgloo-dev).
find_path(EKT_GLOO_INCLUDE gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
if(NOT EKT_GLOO_INCLUDE)
  message(FATAL_ERROR "ekt: Gloo headers not found (Debian: apt-get install libgloo-dev)")
endif()
target_include_directories(ektcore_objects SYSTEM PUBLIC ${EKT_GLOO_INCLUDE})
