import {
  AotihubError,
  InvalidRepoIdError,
  isAotihubError,
  isAotihubErrorCode,
  normalizeMachine,
  normalizeOs,
  parseDeviceProfile,
  parseRepoId,
  repoTypePlural,
  repoUrlPrefix,
} from "@aotihub/registry";
import { describe, expect, it } from "vitest";

// Small rules that mutation testing (docs/testing.md) found unpinned: the spelling tables, the
// Hub's URL prefixes, the words of INVALID_REPO_ID and DEVICE_INVALID, and error causes.

describe("host names", () => {
  it.each([
    ["x64", "x86_64"],
    ["AMD64", "x86_64"],
    ["x86-64", "x86_64"],
    ["x86_64", "x86_64"],
    ["arm64", "aarch64"],
    ["aarch64", "aarch64"],
    ["PPC64LE", "ppc64le"],
  ])("machine %s is %s", (given, expected) => expect(normalizeMachine(given)).toBe(expected));

  it.each([
    ["win32", "windows"],
    ["Cygwin", "windows"],
    ["Linux", "linux"],
    ["darwin", "darwin"],
  ])("os %s is %s", (given, expected) => expect(normalizeOs(given)).toBe(expected));
});

describe("repo ids", () => {
  it("the Hub's URL prefixes per repo type, as huggingface_hub's constants", () => {
    expect(repoTypePlural("dataset")).toBe("datasets");
    expect(repoUrlPrefix("model")).toBe("");
    expect(repoUrlPrefix("dataset")).toBe("datasets/");
    expect(repoUrlPrefix("kernel")).toBe("kernels/");
  });

  it("a model id by default, the type given otherwise", () => {
    expect(parseRepoId("org/name")).toEqual({ type: "model", name: "org/name" });
    expect(parseRepoId("org/data", "dataset")).toEqual({ type: "dataset", name: "org/data" });
  });

  it("INVALID_REPO_ID says what an id looks like and where to copy one from", () => {
    let error: unknown;
    try {
      parseRepoId("no-slash");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRepoIdError);
    expect((error as AotihubError).code).toBe("AOTIHUB_INVALID_REPO_ID");
    expect((error as Error).message).toBe(
      '"no-slash" is not a Hub repository id\n' +
        '  expected: an id of the form "org/name" (letters, digits, "-", "_", ".")\n' +
        '  received: "no-slash"\n' +
        '  what to do: write the repository as it appears in its Hub URL, e.g. "kernels-community/flash-attn3"',
    );
  });
});

describe("DEVICE_INVALID", () => {
  it("lists each problem on its own line and shows the expected shape", () => {
    let error: AotihubError | undefined;
    try {
      parseDeviceProfile({ os: "linux", cuda: { computeCapability: 9 } });
    } catch (e) {
      error = e as AotihubError;
    }
    expect(error?.code).toBe("AOTIHUB_DEVICE_INVALID");
    const [summary, ...rest] = error!.message.split("\n");
    expect(summary).toBe("Invalid device profile:");
    expect(rest.filter((l) => l.startsWith("  - ")).map((l) => l.split(":")[0])).toEqual([
      "  - machine",
      "  - cuda.computeCapability",
      "  - cuda.driverVersion",
    ]);
    expect(error?.expected).toBe(
      '{ "os": "linux", "machine": "x86_64", "cpuIsa": ["AVX2"], "cuda": { "computeCapability": "9.0", "driverVersion": "13.0" } | null, "torch": { "version": "2.11.0+cu130", "cuda": "13.0", "cxx11Abi": true } | null }',
    );
    expect(error?.received).toBe('{"os":"linux","cuda":{"computeCapability":9}}');
    expect(error?.hint).toBe("fix the fields listed above, or leave --device out to probe this machine");
  });
});

describe("AotihubError", () => {
  it("keeps a cause when one is given, and has none otherwise", () => {
    const cause = new Error("root");
    expect(new AotihubError("AOTIHUB_BAD_REF", "x", { cause }).cause).toBe(cause);
    expect("cause" in new AotihubError("AOTIHUB_BAD_REF", "x")).toBe(false);
    expect("cause" in new AotihubError("AOTIHUB_BAD_REF", "x", { hint: "h" })).toBe(false);
  });

  it("isAotihubError: only Errors whose code is a string starting with AOTIHUB_", () => {
    expect(isAotihubError({ code: "AOTIHUB_X", message: "not an Error" })).toBe(false);
    expect(isAotihubError(Object.assign(new Error("x"), { code: 7 }))).toBe(false);
    expect(isAotihubError(Object.assign(new Error("x"), { code: "X_AOTIHUB_" }))).toBe(false);
    expect(isAotihubError(new Error("no code"))).toBe(false);
  });

  it("isAotihubErrorCode: the documented codes only", () => {
    expect(isAotihubErrorCode("AOTIHUB_BAD_REF")).toBe(true);
    expect(isAotihubErrorCode("AOTIHUB_NOT_A_CODE")).toBe(false);
    expect(isAotihubErrorCode("")).toBe(false);
    expect(isAotihubErrorCode(42)).toBe(false);
    expect(isAotihubErrorCode("toString")).toBe(false); // own keys only, not the prototype's
  });
});
