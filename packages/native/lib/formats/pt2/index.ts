export { type ExtractedPt2Model, type ExtractPt2ModelOptions, extractPt2Model } from "./extract-pt2-model.js";
export { Pt2InvalidError, type Pt2ProblemDetails } from "./pt2-invalid-error.js";
export { readPt2 } from "./read-pt2.js";
export type { Pt2Entry, Pt2Model, Pt2Package } from "./types.js";
