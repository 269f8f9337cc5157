export { cpuIsaFromFlags, detectCpuIsa, missingCpuIsa } from "./cpu-isa.js";
export { cudaGpuLikely } from "./gpu-device-nodes.js";
export { type ProbeDeviceOptions, probeDevice } from "./probe-device.js";
export { type CudaProbe, formatDriverVersion, type GpuInfo, probeCuda, probeGpus } from "./probe-gpus.js";
