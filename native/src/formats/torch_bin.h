// pytorch_model.bin checkpoints: torch.save of a state dict (the zip format of torch >= 1.6), read
// with libtorch's own unpickler, which runs no Python: it rebuilds tensors and refuses any other
// global. The state dict's outer collections.OrderedDict is the one thing that unpickler cannot
// build (it turns every OrderedDict into None, as tensors' backward hooks need), so the outer
// container is rewritten to a plain dict before unpickling (see plain_dict_pickle).
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace ekt::torch_bin {

// (name, tensor) of every entry, CPU, in the stored dtype; ekt::Error naming the file otherwise.
std::vector<std::pair<std::string, torch::Tensor>> read(const std::string& path);

// The pickle of a state dict with its outer OrderedDict replaced by a plain dict and the
// OrderedDict's state (the `_metadata` attribute, which holds only module versions) left out;
// a plain-dict pickle is returned unchanged. Exposed for tests.
std::string plain_dict_pickle(const std::string& pickle, const std::string& path);

}  // namespace ekt::torch_bin
