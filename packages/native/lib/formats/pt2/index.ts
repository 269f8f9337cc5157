export { type ExtractedPt2Model, type ExtractPt2ModelOptions, extractPt2Model } from "./extract-pt2-model.js";
export { Pt2InvalidError, type Pt2ProblemDetails } from "./pt2-invalid-error.js";
export { readPt2, readPt2From } from "./read-pt2.js";
export type { Pt2Entry, Pt2Model, Pt2Package } from "./types.js";
export {
  type VerifiedPt2,
  type VerifyAndExtractOptions,
  verifyAndExtractPt2,
} from "./verify-and-extract-pt2.js";
