{
  "targets": [
    {
      "target_name": "aotihub_native",
      "sources": [
        "src/addon.cc",
        "src/io/mapping.cc",
        "src/io/io-bindings.cc",
        "src/probe/cuda-probe.cc",
        "src/probe/cuda-context-early.cc",
        "src/backend/dtype.cc",
        "src/backend/libtorch-backend.cc",
        "src/backend/amx-permission.cc",
        "src/backend/runtime-kind.cc",
        "src/backend/standalone-backend.cc",
        "src/shim/shim-tensor.cc",
        "src/shim/shim-functions.cc",
        "src/shim/shim-cuda.cc",
        "src/shim/dtype-convert.cc",
        "src/shim/sleef-fallback.cc",
        "src/runtime/weight-store.cc",
        "src/runtime/cuda-prewarm.cc",
        "src/runtime/host-buffer-pool.cc",
        "src/runtime/weight-upload.cc",
        "src/runtime/pinned-ring.cc",
        "src/runtime/model-container.cc",
        "src/runtime/cuda-module-tracker.cc",
        "src/runtime/memory-probe.cc",
        "src/runtime/constant-aliases.cc",
        "src/runtime/model-library.cc",
        "src/runtime/runtime-bindings.cc",
        "src/kernels/kernel-library.cc",
        "src/kernels/op-schema-probe.cc",
        "src/kernels/proxy-executor.cc",
        "src/kernels/kernel-bindings.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS_OFF",
        "NODE_ADDON_API_CPP_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-fvisibility=hidden",
        "-O2",
        "-Wall",
        "-Wextra"
      ],
      "ldflags": [
        "-Wl,-Bsymbolic",
        "-Wl,--version-script=<(module_root_dir)/src/shim/exports.map",
        "-ldl"
      ]
    }
  ]
}