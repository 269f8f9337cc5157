// A fused attention op in the shape FlashAttention kernels have (q, k, v [B, H, S, D] -> o), built
// with nvcc on the GPU machine and registered with TORCH_LIBRARY like a kernels-community kernel.
// Not fast: one block per query row, scores in shared memory, float accumulation. What it proves
// is the path: an AOTI model calling a CUDA custom op through aotihub's proxy executor.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <torch/library.h>

namespace {

template <typename T>
__device__ float ToFloat(T v) { return static_cast<float>(v); }
template <>
__device__ float ToFloat(__nv_bfloat16 v) { return __bfloat162float(v); }
template <>
__device__ float ToFloat(__half v) { return __half2float(v); }
template <typename T>
__device__ T FromFloat(float v) { return static_cast<T>(v); }
template <>
__device__ __nv_bfloat16 FromFloat(float v) { return __float2bfloat16(v); }
template <>
__device__ __half FromFloat(float v) { return __float2half(v); }

template <typename T>
__global__ void AttentionRow(const T* q, const T* k, const T* v, T* o, int S, int D, float scale, bool causal) {
  extern __shared__ float shared[];
  float* scores = shared;         // S
  float* query = shared + S;      // D
  float* reduce = query + D;      // blockDim.x
  const int row = blockIdx.x;     // (b * H + h) * S + i
  const int i = row % S;
  const int bh = row / S;
  const T* keys = k + static_cast<size_t>(bh) * S * D;
  const T* values = v + static_cast<size_t>(bh) * S * D;
  const int limit = causal ? i + 1 : S;
  for (int d = threadIdx.x; d < D; d += blockDim.x) query[d] = ToFloat(q[static_cast<size_t>(row) * D + d]);
  __syncthreads();
  float localMax = -INFINITY;
  for (int j = threadIdx.x; j < limit; j += blockDim.x) {
    float s = 0;
    for (int d = 0; d < D; d++) s += query[d] * ToFloat(keys[static_cast<size_t>(j) * D + d]);
    scores[j] = s * scale;
    localMax = fmaxf(localMax, scores[j]);
  }
  reduce[threadIdx.x] = localMax;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) reduce[threadIdx.x] = fmaxf(reduce[threadIdx.x], reduce[threadIdx.x + step]);
    __syncthreads();
  }
  const float rowMax = reduce[0];
  __syncthreads();
  float localSum = 0;
  for (int j = threadIdx.x; j < limit; j += blockDim.x) {
    scores[j] = __expf(scores[j] - rowMax);
    localSum += scores[j];
  }
  reduce[threadIdx.x] = localSum;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) reduce[threadIdx.x] += reduce[threadIdx.x + step];
    __syncthreads();
  }
  const float inv = 1.0f / reduce[0];
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float acc = 0;
    for (int j = 0; j < limit; j++) acc += scores[j] * ToFloat(values[static_cast<size_t>(j) * D + d]);
    o[static_cast<size_t>(row) * D + d] = FromFloat<T>(acc * inv);
  }
}

template <typename T>
void Launch(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& o, double scale, bool causal) {
  const int S = static_cast<int>(q.size(2));
  const int D = static_cast<int>(q.size(3));
  const int rows = static_cast<int>(q.numel() / D);
  const int threads = 128;
  const size_t shared = (S + D + threads) * sizeof(float);
  AttentionRow<T><<<rows, threads, shared, at::cuda::getCurrentCUDAStream()>>>(
      reinterpret_cast<const T*>(q.data_ptr()), reinterpret_cast<const T*>(k.data_ptr()),
      reinterpret_cast<const T*>(v.data_ptr()), reinterpret_cast<T*>(o.data_ptr()), S, D, static_cast<float>(scale),
      causal);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale, bool causal) {
  TORCH_CHECK(q.dim() == 4 && q.sizes() == k.sizes() && q.sizes() == v.sizes(), "attention: q, k, v [B, H, S, D]");
  TORCH_CHECK(q.is_cuda(), "attention: CUDA tensors");
  const c10::cuda::CUDAGuard guard(q.device());
  auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  auto o = at::empty_like(qc);
  switch (q.scalar_type()) {
    case at::kFloat: Launch<float>(qc, kc, vc, o, scale, causal); break;
    case at::kBFloat16: Launch<__nv_bfloat16>(qc, kc, vc, o, scale, causal); break;
    case at::kHalf: Launch<__half>(qc, kc, vc, o, scale, causal); break;
    default: TORCH_CHECK(false, "attention: float32, bfloat16 or float16");
  }
  return o;
}

at::Tensor attention_meta(const at::Tensor& q, const at::Tensor&, const at::Tensor&, double, bool) {
  return at::empty_like(q, q.options().memory_format(at::MemoryFormat::Contiguous));
}

}  // namespace

TORCH_LIBRARY(TORCH_EXTENSION_NAME, m) {
  m.def("attention(Tensor q, Tensor k, Tensor v, float scale, bool causal=False) -> Tensor");
}
TORCH_LIBRARY_IMPL(TORCH_EXTENSION_NAME, CUDA, m) { m.impl("attention", &attention); }
TORCH_LIBRARY_IMPL(TORCH_EXTENSION_NAME, Meta, m) { m.impl("attention", &attention_meta); }
