// Public surface of @aotihub/native, as docs/api.md describes it. Internals (the binding, the
// native code table, captureUserStack) are imported by path inside the package, never from here.

export {
  DisposedError,
  FileLockError,
  InputMismatchError,
  ModelLoadError,
  ModelRunError,
  NativeIoError,
  NoMatchingBucketError,
  TorchLoadError,
  TorchNotFoundError,
  UnsupportedCpuIsaError,
  WeightBindingError,
} from "./errors/native-errors.js";
export {
  type ExtractedPt2Model,
  type ExtractPt2ModelOptions,
  extractPt2Model,
  MAX_SAFETENSORS_HEADER_BYTES,
  type Pt2Entry,
  Pt2InvalidError,
  type Pt2Model,
  type Pt2Package,
  type Pt2ProblemDetails,
  readPt2,
  readSafetensors,
  readWeightSet,
  type SafetensorsFile,
  SafetensorsInvalidError,
  type SafetensorsProblemDetails,
  type SafetensorsTensor,
  type WeightSet,
} from "./formats/index.js";
export {
  acquireFileLock,
  type FileLock,
  type FileLockOptions,
  type MapFileOptions,
  type MappedFile,
  mapFile,
} from "./io/index.js";
export { KernelError } from "./kernels/kernel-errors.js";
export { aotihubCacheDir, sha256OfFile } from "./node-fs/index.js";
export {
  type CudaProbe,
  cpuIsaFromFlags,
  detectCpuIsa,
  formatDriverVersion,
  type GpuInfo,
  missingCpuIsa,
  type ProbeDeviceOptions,
  probeCuda,
  probeDevice,
  probeGpus,
} from "./probe/index.js";
export {
  bucketMismatches,
  type DeviceTensor,
  type EarlyRuntimeRequest,
  type EarlyRuntimeStart,
  formatBucket,
  type InputSignature,
  isDeviceTensor,
  type LoadedModel,
  type LoadPackagesOptions,
  type LoadStats,
  loadPackages,
  type PackageSpec,
  type RunInput,
  type RunOptions,
  type RuntimeKind,
  startRuntimeEarly,
  type Tensor,
  type VariantInfo,
} from "./runtime/index.js";
export {
  DTYPES,
  type DtypeInfo,
  dtypeFromSafetensors,
  isTorchDtypeName,
  itemSizeOf,
  type SafetensorsDtype,
  type TensorData,
  type TensorDataOf,
  TORCH_DTYPE_NAMES,
  type TorchDtypeName,
  type TypedArrayConstructor,
  typedArrayFor,
} from "./tensor/dtypes.js";
export { type FindTorchOptions, findTorch, readTorchInstall, type TorchInstall } from "./torch/index.js";
