/**
 * The parts of manifest v1 (issue 2) the export helper writes, checked structurally until
 * `parseManifest` from @aotihub/registry lands; then the tests switch to it.
 */
export interface ExportedArtifact {
  path: string;
  sha256: string;
  size: number;
  profile: string;
  bucket: {
    name: string;
    inputs: Record<string, (number | [number, number])[]>;
    dtypes?: Record<string, string>;
  };
  target: Record<string, unknown> & { device: "cpu" | "cuda"; torch: string; os: string; machine: string };
  kernels: unknown[];
  weightsOverride?: string;
}

export interface ExportedManifest {
  format: "aotihub/1";
  name: string;
  weights: Record<string, { files: string[] }>;
  profiles: Record<string, { weights: string; requires?: Record<string, string> }>;
  artifacts: ExportedArtifact[];
}

/** Every problem found, with its JSON path (empty when the shape is right). */
export function manifestProblems(value: unknown): string[] {
  const problems: string[] = [];
  const m = value as ExportedManifest;
  const expect = (ok: boolean, path: string, what: string) => {
    if (!ok) problems.push(`${path}: expected ${what}`);
  };
  expect(m?.format === "aotihub/1", "$.format", '"aotihub/1"');
  expect(typeof m?.name === "string" && m.name.length > 0, "$.name", "a name");
  for (const [name, set] of Object.entries(m?.weights ?? {})) {
    expect(Array.isArray(set.files) && set.files.length > 0, `$.weights.${name}.files`, "a file list");
  }
  for (const [name, profile] of Object.entries(m?.profiles ?? {})) {
    expect(profile.weights in (m.weights ?? {}), `$.profiles.${name}.weights`, "a weight set name");
  }
  (m?.artifacts ?? []).forEach((a, i) => {
    const at = `$.artifacts[${i}]`;
    expect(/^[0-9a-f]{64}$/.test(a.sha256), `${at}.sha256`, "64 hex digits");
    expect(Number.isInteger(a.size) && a.size > 0, `${at}.size`, "a positive integer");
    expect(a.profile in (m.profiles ?? {}), `${at}.profile`, "a declared profile");
    expect(a.path.startsWith("aoti/") && a.path.endsWith(".pt2"), `${at}.path`, "aoti/.../*.pt2");
    expect(typeof a.bucket?.name === "string", `${at}.bucket.name`, "a bucket name");
    expect(["cpu", "cuda"].includes(a.target?.device), `${at}.target.device`, '"cpu" or "cuda"');
    expect(/^>=\d+\.\d+\.0 <\d+\.\d+\.0$/.test(a.target?.torch), `${at}.target.torch`, "a torch minor range");
    if (a.target?.device === "cpu")
      expect(Array.isArray(a.target.cpuIsa), `${at}.target.cpuIsa`, "an ISA list");
    expect(Array.isArray(a.kernels), `${at}.kernels`, "a list");
    if (a.weightsOverride !== undefined) {
      expect(a.weightsOverride in (m.weights ?? {}), `${at}.weightsOverride`, "a weight set name");
    }
  });
  return problems;
}
