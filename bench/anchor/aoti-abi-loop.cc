// The per-call anchor of bench/: a plain C++ loop over the model `.so`'s C ABI, with no Node, no
// N-API and no thread hop: what a run costs when nothing but the model and the copies it needs run.
// Built against the pip torch's libraries (see bench/anchor/build.sh); prints one JSON line.
//
//   aoti-abi-loop <model.so> <cpu|cuda> <bind.txt> <inputs.txt> <iterations> [rounds]
// bind.txt: one weight a line, "fqn dtypeCode file offset bytes ndim d0 d1 ...";
// inputs.txt: one input a line, "dtypeCode elementSize ndim d0 d1 ... [raw file]" (the file's
// bytes, e.g. the benchmark's real inputs; zeros without one). The two modes (device I/O, host I/O)
// alternate for `rounds` rounds of `iterations` calls each, so clock drift hits both alike; the
// figures are the median, 10th and 90th percentile of all calls of a mode, and each round's median.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using Handle = void*;
extern "C" {
int32_t aoti_torch_create_tensor_from_blob(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t,
                                           int32_t, Handle*);
int32_t aoti_torch_empty_strided(int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t, Handle*);
int32_t aoti_torch_copy_(Handle, Handle, int32_t);
int32_t aoti_torch_new_tensor_handle(Handle, Handle*);
int32_t aoti_torch_delete_tensor_object(Handle);
int32_t aoti_torch_get_data_ptr(Handle, void**);
int32_t aoti_torch_get_dtype(Handle, int32_t*);
int32_t aoti_torch_get_storage_size(Handle, int64_t*);
}

namespace {

struct Abi {
  int32_t (*create)(void**, size_t, const char*, const char*);
  int32_t (*run)(void*, Handle*, size_t, Handle*, size_t, void*, void*);
  int32_t (*numOutputs)(void*, size_t*);
  int32_t (*numConstants)(void*, size_t*);
  int32_t (*constantName)(void*, size_t, const char**);
  int32_t (*constantFqn)(void*, size_t, const char**);
  int32_t (*constantFromFolded)(void*, size_t, bool*);
  int32_t (*updatePairs)(void*, const void*, size_t, bool, bool);
};

struct Pair {
  const char* name;
  Handle handle;
};

// cudart, looked up at run time so the same binary runs on the CPU-only torch.
struct Cuda {
  int (*streamCreate)(void**, unsigned) = nullptr;
  int (*streamSync)(void*) = nullptr;
  int (*memcpyAsync)(void*, const void*, size_t, int, void*) = nullptr;
  int (*mallocHost)(void**, size_t) = nullptr;
  // CUDA graphs (the "graph" figures): capture one run, then replay it.
  int (*beginCapture)(void*, int) = nullptr;
  int (*endCapture)(void*, void**) = nullptr;
  int (*instantiate)(void**, void*, unsigned long long) = nullptr;
  int (*graphLaunch)(void*, void*) = nullptr;
  int (*memcpy)(void*, const void*, size_t, int) = nullptr;
};

void Die(const std::string& what) {
  std::fprintf(stderr, "anchor: %s\n", what.c_str());
  std::exit(1);
}

template <typename F>
void Sym(void* lib, F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(lib, name));
  if (slot == nullptr) Die(std::string("missing ") + name);
}

std::vector<int64_t> Strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

Handle OnDevice(void* host, const std::vector<int64_t>& shape, int32_t dtype, int32_t deviceType) {
  auto strides = Strides(shape);
  Handle src = nullptr, dst = nullptr;
  if (aoti_torch_create_tensor_from_blob(host, shape.size(), shape.data(), strides.data(), 0, dtype, 0, 0, &src))
    Die("from_blob");
  if (aoti_torch_empty_strided(shape.size(), shape.data(), strides.data(), dtype, deviceType, 0, &dst)) Die("empty");
  if (aoti_torch_copy_(dst, src, 0)) Die("copy_");
  aoti_torch_delete_tensor_object(src);
  return dst;
}

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>((v.size() - 1) * q)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) Die("usage: aoti-abi-loop <model.so> <cpu|cuda> <bind.txt> <inputs.txt> <iterations> [rounds]");
  const bool cuda = std::string(argv[2]) == "cuda";
  const int iterations = std::atoi(argv[5]);
  const int rounds = argc > 6 ? std::max(1, std::atoi(argv[6])) : 1;
  const int32_t deviceType = cuda ? 1 : 0;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) Die(dlerror());
  Abi abi{};
  Sym(lib, abi.create, "AOTInductorModelContainerCreateWithDevice");
  Sym(lib, abi.run, "AOTInductorModelContainerRun");
  // Where the model has it, the same single-model run the addon makes (no per-call event, no pool).
  if (auto single = dlsym(lib, "AOTInductorModelContainerRunSingleThreaded"))
    abi.run = reinterpret_cast<decltype(abi.run)>(single);
  Sym(lib, abi.numOutputs, "AOTInductorModelContainerGetNumOutputs");
  Sym(lib, abi.numConstants, "AOTInductorModelContainerGetNumConstants");
  Sym(lib, abi.constantName, "AOTInductorModelContainerGetConstantName");
  Sym(lib, abi.constantFqn, "AOTInductorModelContainerGetConstantOriginalFQN");
  Sym(lib, abi.constantFromFolded, "AOTInductorModelContainerGetConstantFromFolded");
  Sym(lib, abi.updatePairs, "AOTInductorModelContainerUpdateUserManagedConstantBufferPairs");
  Cuda cu;
  void* stream = nullptr;
  if (cuda) {
    Sym(RTLD_DEFAULT, cu.streamCreate, "cudaStreamCreateWithFlags");
    Sym(RTLD_DEFAULT, cu.streamSync, "cudaStreamSynchronize");
    Sym(RTLD_DEFAULT, cu.memcpyAsync, "cudaMemcpyAsync");
    Sym(RTLD_DEFAULT, cu.mallocHost, "cudaMallocHost");
    Sym(RTLD_DEFAULT, cu.beginCapture, "cudaStreamBeginCapture");
    Sym(RTLD_DEFAULT, cu.endCapture, "cudaStreamEndCapture");
    Sym(RTLD_DEFAULT, cu.instantiate, "cudaGraphInstantiateWithFlags");
    Sym(RTLD_DEFAULT, cu.graphLaunch, "cudaGraphLaunch");
    Sym(RTLD_DEFAULT, cu.memcpy, "cudaMemcpy");
  }
  void* container = nullptr;
  if (abi.create(&container, 1, cuda ? "cuda:0" : "cpu", nullptr)) Die("create");
  if (cuda && cu.streamCreate(&stream, 1)) Die("stream");

  // Weights: each line's bytes from its file, onto the device, bound by original name.
  std::map<std::string, Handle> byFqn;
  std::ifstream bind(argv[3]);
  for (std::string line; std::getline(bind, line);) {
    std::istringstream in(line);
    std::string fqn, file;
    int32_t dtype;
    uint64_t offset, bytes;
    size_t ndim;
    in >> fqn >> dtype >> file >> offset >> bytes >> ndim;
    std::vector<int64_t> shape(ndim);
    for (auto& d : shape) in >> d;
    int fd = open(file.c_str(), O_RDONLY);
    struct stat st {};
    fstat(fd, &st);
    auto* base = static_cast<uint8_t*>(mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0));
    close(fd);
    void* copy = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    std::memcpy(copy, base + offset, bytes);
    munmap(base, st.st_size);
    byFqn[fqn] = OnDevice(copy, shape, dtype, deviceType);  // CPU: a copy owned by the tensor's blob
  }
  size_t nConstants = 0;
  abi.numConstants(container, &nConstants);
  std::vector<Pair> pairs;
  for (size_t i = 0; i < nConstants; i++) {
    const char *name = nullptr, *fqn = nullptr;
    bool folded = false;
    abi.constantName(container, i, &name);
    abi.constantFqn(container, i, &fqn);
    abi.constantFromFolded(container, i, &folded);
    if (folded) continue;
    auto it = byFqn.find(fqn && *fqn ? fqn : name);
    if (it == byFqn.end()) Die(std::string("no weight for ") + (fqn ? fqn : name));
    pairs.push_back({name, it->second});
  }
  if (abi.updatePairs(container, pairs.data(), pairs.size(), false, true)) Die("bind");

  // Inputs: zeros of each shape, on the device (the "device I/O" mode) and pinned on the host.
  std::vector<Handle> inputs;
  std::vector<void*> hostIn;
  std::vector<size_t> inBytes;
  std::ifstream ins(argv[4]);
  for (std::string line; std::getline(ins, line);) {
    std::istringstream in(line);
    int32_t dtype;
    size_t elem, ndim;
    in >> dtype >> elem >> ndim;
    std::vector<int64_t> shape(ndim);
    size_t n = elem;
    for (auto& d : shape) {
      in >> d;
      n *= d;
    }
    void* host = nullptr;
    if (cuda) {
      cu.mallocHost(&host, n + 64);
    } else {
      host = std::aligned_alloc(64, (n + 63) / 64 * 64 + 64);
    }
    std::memset(host, 0, n);
    std::string raw;
    if (in >> raw) {
      std::ifstream f(raw, std::ios::binary);
      if (!f.read(static_cast<char*>(host), static_cast<std::streamsize>(n))) Die("cannot read " + raw);
    }
    hostIn.push_back(host);
    inBytes.push_back(n);
    inputs.push_back(OnDevice(host, shape, dtype, deviceType));
  }
  size_t nOut = 0;
  abi.numOutputs(container, &nOut);
  std::vector<void*> hostOut(nOut, nullptr);

  auto once = [&](bool hostIo) {
    std::vector<Handle> in(inputs.size()), out(nOut, nullptr);
    for (size_t i = 0; i < inputs.size(); i++) {
      aoti_torch_new_tensor_handle(inputs[i], &in[i]);
      if (hostIo && cuda) {
        void* dst = nullptr;
        aoti_torch_get_data_ptr(in[i], &dst);
        cu.memcpyAsync(dst, hostIn[i], inBytes[i], 1, stream);
      }
    }
    if (abi.run(container, in.data(), in.size(), out.data(), nOut, stream, nullptr)) Die("run");
    for (size_t i = 0; i < nOut; i++) {
      if (hostIo && cuda) {
        int64_t bytes = 0;
        void* src = nullptr;
        aoti_torch_get_storage_size(out[i], &bytes);
        aoti_torch_get_data_ptr(out[i], &src);
        if (hostOut[i] == nullptr) cu.mallocHost(&hostOut[i], bytes + 64);
        cu.memcpyAsync(hostOut[i], src, bytes, 2, stream);
      }
    }
    if (cuda) cu.streamSync(stream);
    for (auto h : out) aoti_torch_delete_tensor_object(h);
  };
  std::vector<double> all[2];
  std::string roundsJson[2];
  for (int mode = 0; mode < 2; mode++)
    for (int i = 0; i < 20; i++) once(mode == 1);
  for (int r = 0; r < rounds; r++) {
    for (int mode = 0; mode < (cuda ? 2 : 1); mode++) {
      for (int i = 0; i < 10; i++) once(mode == 1);
      std::vector<double> us;
      for (int i = 0; i < iterations; i++) {
        auto t = std::chrono::steady_clock::now();
        once(mode == 1);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.1f", r ? ", " : "", Quantile(us, 0.5));
      roundsJson[mode] += buf;
      all[mode].insert(all[mode].end(), us.begin(), us.end());
    }
  }
  if (!cuda) {
    all[1] = all[0];
    roundsJson[1] = roundsJson[0];
  }
  std::printf(
      "{\"deviceIoUs\": %.2f, \"deviceIoP10\": %.2f, \"deviceIoP90\": %.2f, \"deviceIoRounds\": [%s], "
      "\"hostIoUs\": %.2f, \"hostIoP10\": %.2f, \"hostIoP90\": %.2f, \"hostIoRounds\": [%s], "
      "\"iterations\": %d, \"rounds\": %d}\n",
      Quantile(all[0], 0.5), Quantile(all[0], 0.1), Quantile(all[0], 0.9), roundsJson[0].c_str(), Quantile(all[1], 0.5),
      Quantile(all[1], 0.1), Quantile(all[1], 0.9), roundsJson[1].c_str(), iterations, rounds);
  std::fflush(stdout);
  // What a CUDA graph per static bucket would give: one run captured on the stream (relaxed mode:
  // the caching allocator only reuses the blocks the warm-up runs left on this stream, and nothing
  // else allocates while the graph lives), then replayed. The captured run's outputs stay alive: a
  // replay writes the same addresses. Checked against a plain run's output 0, bit for bit.
  std::string graphJson = "null";
  if (cuda) {
    std::vector<Handle> in(inputs.size()), out(nOut, nullptr);
    auto output0 = [&](Handle h) {
      int64_t bytes = 0;
      void* src = nullptr;
      aoti_torch_get_storage_size(h, &bytes);
      aoti_torch_get_data_ptr(h, &src);
      std::vector<uint8_t> host(bytes);
      cu.streamSync(stream);
      cu.memcpy(host.data(), src, bytes, 2);
      return host;
    };
    for (size_t i = 0; i < inputs.size(); i++) aoti_torch_new_tensor_handle(inputs[i], &in[i]);
    if (abi.run(container, in.data(), in.size(), out.data(), nOut, stream, nullptr)) Die("run");
    const std::vector<uint8_t> plain = output0(out[0]);
    for (auto h : out) aoti_torch_delete_tensor_object(h);
    for (size_t i = 0; i < inputs.size(); i++) aoti_torch_new_tensor_handle(inputs[i], &in[i]);
    cu.streamSync(stream);
    void* graph = nullptr;
    void* exec = nullptr;
    int rc = cu.beginCapture(stream, 2 /* cudaStreamCaptureModeRelaxed */);
    int runRc = rc == 0 ? abi.run(container, in.data(), in.size(), out.data(), nOut, stream, nullptr) : -1;
    int endRc = rc == 0 ? cu.endCapture(stream, &graph) : -1;
    int instRc = (rc == 0 && runRc == 0 && endRc == 0) ? cu.instantiate(&exec, graph, 0) : -1;
    if (instRc != 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "{\"failed\": \"begin %d run %d end %d instantiate %d\"}", rc, runRc, endRc, instRc);
      graphJson = buf;
    } else {
      for (int i = 0; i < 20; i++) cu.graphLaunch(exec, stream);
      cu.streamSync(stream);
      std::vector<double> us;
      for (int i = 0; i < iterations * rounds; i++) {
        auto t = std::chrono::steady_clock::now();
        cu.graphLaunch(exec, stream);
        cu.streamSync(stream);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
      }
      const bool same = output0(out[0]) == plain;
      char buf[200];
      std::snprintf(buf, sizeof buf, "{\"replayUs\": %.2f, \"p10\": %.2f, \"p90\": %.2f, \"output0BitIdentical\": %s}",
                    Quantile(us, 0.5), Quantile(us, 0.1), Quantile(us, 0.9), same ? "true" : "false");
      graphJson = buf;
    }
  }
  if (cuda) std::printf("{\"graph\": %s}\n", graphJson.c_str());
  return 0;
}
