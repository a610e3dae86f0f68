# Optional CUDA: nothing in the core is CUDA-specific code; tensors follow the device the
# caller asks for, and a CUDA libtorch brings its kernels. This only records what we built with.
if(EKT_HAS_CUDA)
  target_compile_definitions(ektcore_objects PUBLIC EKT_WITH_CUDA=1)
endif()
