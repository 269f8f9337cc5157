import semver from "semver";
import { z } from "zod";
import { repoPathProblem } from "./repo-path.js";
import { torchDtypeNameSchema } from "./torch-dtype-names.js";

/** The manifest format this version of aotihub reads. */
export const MANIFEST_FORMAT = "aotihub/1";

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
const nameSchema = (what: string) =>
  z.string().regex(NAME_PATTERN, {
    error: `expected a ${what} name (a letter, then letters, digits, ".", "_" or "-")`,
  });

const repoPathSchema = z.string().superRefine((path, ctx) => {
  const problem = repoPathProblem(path);
  if (problem !== null) ctx.addIssue({ code: "custom", message: `path ${problem}` });
});

const semverRangeSchema = (what: string) =>
  z.string().refine((range) => semver.validRange(range) !== null, {
    error: (issue) =>
      `expected a ${what} as a semver range (e.g. ">=2.11.0 <2.12.0") but received ${JSON.stringify(issue.input)}`,
  });

const majorMinorSchema = (what: string) =>
  z.string().regex(/^\d+\.\d+$/, { error: `expected a ${what} as "major.minor" (e.g. "13.0")` });

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, {
  error: (issue) =>
    `expected a sha256 of 64 lowercase hex digits but received ${JSON.stringify(issue.input)}`,
});

const sizeSchema = z
  .number({ error: "expected a size in bytes (a whole number >= 0)" })
  .int({ error: "expected a size in bytes (a whole number >= 0)" })
  .min(0, { error: (issue) => `expected a size in bytes >= 0 but received ${issue.input}` });

const dimSizeSchema = z.number().int().min(0);

/** A bucket dimension: a number (static) or `[min, max]` (dynamic, both inclusive). */
export const dimSchema = z.union(
  [
    dimSizeSchema,
    z
      .tuple([dimSizeSchema, dimSizeSchema])
      .refine(([min, max]) => min <= max, { error: "expected [min, max] with min <= max" }),
  ],
  { error: "expected a dimension: a whole number, or [min, max] for a dynamic one" },
);

export const bucketSchema = z
  .object({
    name: z.string().min(1, { error: "expected a non-empty bucket name" }),
    inputs: z.record(z.string(), z.array(dimSchema)),
    dtypes: z.record(z.string(), torchDtypeNameSchema).optional(),
  })
  .superRefine((bucket, ctx) => {
    for (const input of Object.keys(bucket.dtypes ?? {})) {
      if (!(input in bucket.inputs)) {
        ctx.addIssue({
          code: "custom",
          path: ["dtypes", input],
          message: `names input "${input}", which is not in bucket.inputs (${Object.keys(bucket.inputs).join(", ") || "none"})`,
        });
      }
    }
  });

/** SASS architectures as CUDA names them: "8.0", "9.0a" (arch-specific), "10.0f" (family). */
const sassArchSchema = z.string().regex(/^\d+\.\d+[af]?$/, {
  error: (issue) =>
    `expected a CUDA architecture like "8.0", "9.0a" or "10.0f" but received ${JSON.stringify(issue.input)}`,
});

const platformFields = {
  torch: semverRangeSchema("torch version range"),
  os: z.string().min(1),
  machine: z.string().min(1),
};

export const cudaTargetSchema = z
  .object({
    device: z.literal("cuda"),
    sass: z.array(sassArchSchema),
    ptx: z
      .string()
      .regex(/^\d+\.\d+$/, { error: 'expected the PTX architecture as "major.minor" (e.g. "8.0"), or null' })
      .nullable(),
    cuda: majorMinorSchema("CUDA version"),
    ...platformFields,
  })
  .refine((target) => target.sass.length > 0 || target.ptx !== null, {
    error: "a CUDA target needs at least one SASS architecture in sass, or a ptx architecture",
  });

export const cpuTargetSchema = z.object({
  device: z.literal("cpu"),
  cpuIsa: z.array(z.string()),
  ...platformFields,
});

export const targetSchema = z.discriminatedUnion("device", [cudaTargetSchema, cpuTargetSchema], {
  error: 'expected target.device to be "cuda" or "cpu"',
});

export const kernelRefSchema = z
  .object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected a kernel repo id "org/name"' }),
    version: z.number().int().min(0).optional(),
    revision: z.string().min(1).optional(),
  })
  .refine((ref) => (ref.version === undefined) !== (ref.revision === undefined), {
    error: "expected exactly one of version (branch vN) or revision",
  });

/**
 * What an artifact's compiled code links against: "libtorch" (AOTI's default: the `.so` needs the
 * torch it was compiled with) or "standalone" (compiled with `aot_inductor.link_libtorch=False`: the
 * `.so` needs no libtorch, the addon provides the C shim it calls). Absent means "libtorch".
 */
export const runtimeKindSchema = z.enum(["libtorch", "standalone"], {
  error: (issue) => `expected runtime "libtorch" or "standalone" but received ${JSON.stringify(issue.input)}`,
});

export const artifactSchema = z.object({
  path: repoPathSchema,
  sha256: sha256Schema,
  size: sizeSchema,
  profile: z.string(),
  bucket: bucketSchema,
  target: targetSchema,
  kernels: z.array(kernelRefSchema).default([]),
  /** The runtime the compiled code needs; absent is "libtorch" (read it with `artifactRuntime`). */
  runtime: runtimeKindSchema.optional(),
  /**
   * A weight set holding this artifact's own constants: those that differ from the profile's shared
   * set for this bucket (same name, other value, shape or dtype). Bound over the shared ones.
   */
  weightsOverride: z.string().optional(),
  /**
   * The shape of each constant the compiled model binds, by original FQN (as the export helper
   * compiled it). Optional; the runtime also reads the shapes from the package itself and refuses
   * weights of another shape, even of the same byte size.
   */
  constants: z.record(z.string(), z.array(z.number().int().nonnegative())).optional(),
});

export const weightSetSchema = z.object({
  files: z.array(repoPathSchema).min(1, { error: "expected at least one weight file" }),
});

export const profileSchema = z.object({
  weights: z.string(),
  description: z.string().optional(),
  requires: z
    .object({ computeCapability: semverRangeSchema("compute capability range").optional() })
    .optional(),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT, {
    error: (issue) =>
      `unknown manifest format ${JSON.stringify(issue.input)}; this aotihub reads "${MANIFEST_FORMAT}" (a newer format needs a newer aotihub)`,
  }),
  name: z.string().min(1),
  description: z.string().optional(),
  weights: z.record(nameSchema("weight set"), weightSetSchema),
  profiles: z.record(nameSchema("profile"), profileSchema),
  artifacts: z.array(artifactSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Artifact = z.infer<typeof artifactSchema>;
export type Bucket = z.infer<typeof bucketSchema>;
export type Dim = z.infer<typeof dimSchema>;
export type ArtifactTarget = z.infer<typeof targetSchema>;
export type CudaTarget = z.infer<typeof cudaTargetSchema>;
export type CpuTarget = z.infer<typeof cpuTargetSchema>;
export type KernelRef = z.infer<typeof kernelRefSchema>;
export type RuntimeKind = z.infer<typeof runtimeKindSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type WeightSet = z.infer<typeof weightSetSchema>;
