// `node --import @aotihub/loader/cuda-early app.js`: the CUDA driver's start (cuInit, the device's
// primary context) begins on a native thread before the application's imports, for a process that
// will load a CUDA model (docs/cold-start.md). The work is @aotihub/native's; this subpath is here so
// that an application depending on the loader alone can name it.
import "@aotihub/native/cuda-early";
