import type { Artifact, RuntimeKind } from "./manifest-schema.js";

/** The runtime an artifact needs: its `runtime` field, "libtorch" when absent (older manifests). */
export function artifactRuntime(artifact: Artifact): RuntimeKind {
  return artifact.runtime ?? "libtorch";
}
