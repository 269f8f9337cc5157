export {
  type ExtractedPt2Model,
  type ExtractPt2ModelOptions,
  extractPt2Model,
  type Pt2Entry,
  Pt2InvalidError,
  type Pt2Model,
  type Pt2Package,
  type Pt2ProblemDetails,
  readPt2,
} from "./pt2/index.js";
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  readSafetensors,
  readWeightSet,
  type SafetensorsFile,
  SafetensorsInvalidError,
  type SafetensorsProblemDetails,
  type SafetensorsTensor,
  type WeightSet,
} from "./safetensors/index.js";
