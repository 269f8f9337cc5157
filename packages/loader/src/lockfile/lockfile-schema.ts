import { z } from "zod";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 of 64 lowercase hex digits");
const commit = z.string().regex(/^[0-9a-f]{40}$/, "a commit sha of 40 lowercase hex digits");

const lockedFile = z.object({ path: z.string(), sha256, size: z.number().int().nonnegative() }).strict();

const lockedArtifact = lockedFile.extend({ bucket: z.string() }).strict();

const lockedKernel = z
  .object({
    repo: z.string(),
    commit,
    variant: z.string(),
    files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative() }).strict()),
  })
  .strict();

const lockedProfile = z
  .object({
    weights: z.array(lockedFile),
    /** Keyed by `targetKey(artifact.target)`: one entry per machine kind the manifest builds for. */
    targets: z.record(
      z.string(),
      z.object({ artifacts: z.array(lockedArtifact), kernels: z.array(lockedKernel) }).strict(),
    ),
  })
  .strict();

const lockedModel = z
  .object({
    repo: z.string(),
    /** What the user asked for (branch or tag); informational: loads use `commit`. */
    revision: z.string(),
    commit,
    manifest: lockedFile,
    profiles: z.record(z.string(), lockedProfile),
  })
  .strict();

/** `aotihub.lock`: every byte a project may load, pinned by commit and sha256. */
export const lockfileSchema = z
  .object({ format: z.literal("aotihub-lock/1"), models: z.record(z.string(), lockedModel) })
  .strict();

export type Lockfile = z.infer<typeof lockfileSchema>;
export type PinnedModel = z.infer<typeof lockedModel>;
export type PinnedProfile = z.infer<typeof lockedProfile>;
export type PinnedArtifact = z.infer<typeof lockedArtifact>;
export type PinnedKernel = z.infer<typeof lockedKernel>;
export type PinnedFile = z.infer<typeof lockedFile>;
