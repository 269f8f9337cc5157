// A small op laid out like a kernels-community kernel: registered with TORCH_LIBRARY under the
// build's namespace (TORCH_EXTENSION_NAME, `_aotihub_mix_<hash>`), with a Python module entry point
// (as kernel-builder's registration.h makes one) so `from . import _aotihub_mix_<hash>` loads it.
// Its argument list covers what the proxy executor replays: tensors, an optional tensor, a dynamic
// int, a static float and bool, and an int list.
#include <ATen/ATen.h>
#include <Python.h>
#include <torch/library.h>

namespace {

// out = relu?(x * alpha + roll(w, shift, -1) [+ bias]) summed over `keep` of the last dim's halves.
at::Tensor mix(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias, double alpha,
               int64_t shift, bool relu, at::IntArrayRef scale_dims) {
  TORCH_CHECK(x.sizes() == w.sizes(), "mix: x and w must have the same shape");
  at::Tensor out = x * alpha + w.roll({shift}, {-1});
  if (bias.has_value()) out = out + *bias;
  if (!scale_dims.empty()) out = out * (1.0 + static_cast<double>(scale_dims.size()) / 8.0);
  return relu ? out.clamp_min(0) : out;
}

at::Tensor mix_meta(const at::Tensor& x, const at::Tensor&, const std::optional<at::Tensor>&, double, int64_t, bool,
                    at::IntArrayRef) {
  return at::empty_like(x);
}

}  // namespace

TORCH_LIBRARY(TORCH_EXTENSION_NAME, m) {
  m.def("mix(Tensor x, Tensor w, Tensor? bias, float alpha, int shift, bool relu=False, int[] scale_dims=[]) -> Tensor");
}
TORCH_LIBRARY_IMPL(TORCH_EXTENSION_NAME, CPU, m) { m.impl("mix", &mix); }
TORCH_LIBRARY_IMPL(TORCH_EXTENSION_NAME, Meta, m) { m.impl("mix", &mix_meta); }

#define AOTIHUB_CONCAT(a, b) a##b
#define AOTIHUB_PYINIT(name) AOTIHUB_CONCAT(PyInit_, name)
#define AOTIHUB_STR(name) #name
#define AOTIHUB_XSTR(name) AOTIHUB_STR(name)
extern "C" PyObject* AOTIHUB_PYINIT(TORCH_EXTENSION_NAME)(void) {
  static PyModuleDef module = {PyModuleDef_HEAD_INIT, AOTIHUB_XSTR(TORCH_EXTENSION_NAME), nullptr, 0, nullptr};
  return PyModule_Create(&module);
}
