import { z } from "zod";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 of 64 lowercase hex digits");
const commit = z.string().regex(/^[0-9a-f]{40}$/, "a commit sha of 40 lowercase hex digits");

const pinnedFileSchema = z
  .object({ path: z.string(), sha256, size: z.number().int().nonnegative() })
  .strict();

const pinnedArtifactSchema = pinnedFileSchema.extend({ bucket: z.string() }).strict();

const pinnedKernelSchema = z
  .object({
    repo: z.string(),
    /** Kernels are fetched at this commit when locked, never at the moving `vN` branch. */
    commit,
    variant: z.string(),
    /** Every file of the build, by the sha256 of its bytes (LFS or not). */
    files: z.array(pinnedFileSchema),
  })
  .strict();

const pinnedProfileSchema = z
  .object({
    weights: z.array(pinnedFileSchema),
    /** Keyed by `targetKey(artifact.target)`: one entry per machine kind the manifest builds for. */
    targets: z.record(
      z.string(),
      z.object({ artifacts: z.array(pinnedArtifactSchema), kernels: z.array(pinnedKernelSchema) }).strict(),
    ),
  })
  .strict();

const pinnedModelSchema = z
  .object({
    repo: z.string(),
    /** What the user asked for (branch or tag); informational: loads use `commit`. */
    revision: z.string(),
    commit,
    manifest: pinnedFileSchema,
    profiles: z.record(z.string(), pinnedProfileSchema),
  })
  .strict();

/** `aotihub.lock`: every byte a project may load, pinned by commit and sha256. */
export const lockfileSchema = z
  .object({ format: z.literal("aotihub-lock/1"), models: z.record(z.string(), pinnedModelSchema) })
  .strict();

export type Lockfile = z.infer<typeof lockfileSchema>;
export type PinnedModel = z.infer<typeof pinnedModelSchema>;
export type PinnedProfile = z.infer<typeof pinnedProfileSchema>;
export type PinnedArtifact = z.infer<typeof pinnedArtifactSchema>;
export type PinnedKernel = z.infer<typeof pinnedKernelSchema>;
export type PinnedFile = z.infer<typeof pinnedFileSchema>;
