import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binding } from "../../lib/binding.js";
import { parseElfDynamic } from "../../lib/formats/elf/index.js";
import { detectCpuIsa } from "../../lib/probe/cpu-isa.js";
import { testPython } from "../support/python.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-shim-probe-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Issue 13: every aoti_torch_* function the addon exports, called directly through dlsym on the real
// addon by a small C++ program (support/shim-probe.cc), as a compiled model calls them. Node-API
// imports of the addon are bound to traps there: the shim never calls Node.
let facts: Record<string, string>;
let stderr: string;
let sleefNames: string[];
let shimNames: string[];

beforeAll(() => {
  const addon = binding().addonPath();
  const nodeApi = parseElfDynamic(readFileSync(addon)).undefined.filter((s) =>
    /^(napi_|node_api_|uv_)/.test(s),
  );
  const stubs = join(scratch, "node-api-traps.c");
  writeFileSync(stubs, nodeApi.map((s) => `void ${s}(void) { __builtin_trap(); }\n`).join(""));
  const probe = join(scratch, "shim-probe");
  execFileSync("cc", ["-c", "-o", `${stubs}.o`, stubs]);
  execFileSync("c++", [
    "-std=c++17",
    "-O1",
    "-rdynamic",
    "-o",
    probe,
    here("./support/shim-probe.cc"),
    `${stubs}.o`,
    "-ldl",
    "-lpthread",
  ]);
  const avx512 = detectCpuIsa().includes("AVX512");
  if (!avx512) console.log("the AVX512 Sleef stand-ins are not called: this CPU has no AVX512");
  sleefNames = parseElfDynamic(readFileSync(addon)).defined.filter((s) => s.startsWith("Sleef_"));
  shimNames = parseElfDynamic(readFileSync(addon)).defined.filter((s) => s.startsWith("aoti_torch_"));
  const run = spawnSync(probe, [addon, avx512 ? "avx512" : "avx2", ...sleefNames], { encoding: "utf8" });
  expect(run.signal, run.stderr).toBeNull();
  expect(run.status, run.stderr).toBe(0);
  facts = JSON.parse(run.stdout) as Record<string, string>;
  stderr = run.stderr;
}, 120_000);

describe("the standalone shim, function by function", () => {
  it("dtype, device and layout codes are c10's", () => {
    const c10 = {
      uint8: 0,
      int8: 1,
      int16: 2,
      int32: 3,
      int64: 4,
      float16: 5,
      float32: 6,
      float64: 7,
      bool: 11,
      bfloat16: 15,
      float8_e5m2: 23,
      float8_e4m3fn: 24,
    };
    for (const [name, value] of Object.entries(c10))
      expect(facts[`code.aoti_torch_dtype_${name}`]).toBe(String(value));
    expect(facts["code.aoti_torch_device_type_cpu"]).toBe("0");
    expect(facts["code.aoti_torch_device_type_cuda"]).toBe("1");
    expect(facts["code.aoti_torch_layout_strided"]).toBe("0");
  });

  it("empty_strided: 64-byte aligned CPU memory and every getter's answer", () => {
    expect(facts).toMatchObject({
      "empty.rc": "0",
      "empty.dim": "2",
      "empty.numel": "6",
      "empty.sizes": "[2,3]",
      "empty.strides": "[3,1]",
      "empty.dtype": "6",
      "empty.deviceType": "0",
      "empty.deviceIndex": "-1",
      "empty.offset": "0",
      "empty.storageSize": "24",
      "empty.align64": "1",
      "empty.dataNull": "0",
    });
  });

  it("zero-size tensors: no memory, storage size 0, clone and copy_ succeed", () => {
    expect(facts).toMatchObject({
      "zero.rc": "0",
      "zero.numel": "0",
      "zero.storageSize": "0",
      "zero.dataNull": "1",
      "zero.sizes": "[0,5]",
      "copyZeroSize.rc": "0",
      "cloneZeroSize.rc": "0",
    });
  });

  it("empty_strided refuses an unknown dtype, a negative size, a null out, an unknown device and CUDA without libcudart", () => {
    expect(facts).toMatchObject({
      "emptyBadDtype.rc": "1",
      "emptyNegative.rc": "1",
      "emptyNullOut.rc": "1",
      "emptyBadDevice.rc": "1",
      "emptyCudaNoRuntime.rc": "1",
      "badOut.null": "1",
    });
  });

  it("create_tensor_from_blob(_v2): the data pointer is base + storage offset; the storage spans it; null data allocates", () => {
    expect(facts).toMatchObject({
      "blob.rc": "0",
      "blob.dataIsBasePlusOffset": "1",
      "blob.offset": "2",
      "blob.storageSize": "24",
      "blob.sizes": "[2,2]",
      "blob.strides": "[2,1]",
      "blobNull.rc": "0",
      "blobNull.dataNull": "0",
      "blobV2.rc": "0",
      "blobV2.sameData": "1",
      "blobV2Mkldnn.rc": "1",
    });
  });

  it("new_tensor_handle and _reinterpret_tensor share the storage, which outlives the first handle", () => {
    expect(facts).toMatchObject({
      "alias.rc": "0",
      "alias.sameData": "1",
      "reinterpret.rc": "0",
      "reinterpret.offset": "3",
      "reinterpret.first": "13",
      "reinterpret.storageSize": "24",
      "reinterpretOfView.offset": "4",
      "reinterpretPastEnd.rc": "1",
      "deleteBase.rc": "0",
      "aliasAfterBaseDeleted.value": "15",
      "viewAfterBaseDeleted.value": "15",
    });
  });

  it("clone keeps a dense permuted layout and compacts a gapped one; clone_preserve_strides keeps the gaps", () => {
    expect(facts).toMatchObject({
      "cloneTransposed.rc": "0",
      "cloneTransposed.strides": "[1,2]",
      "cloneTransposed.storageSize": "24",
      "cloneGapped.rc": "0",
      "cloneGapped.strides": "[1]",
      "cloneGapped.storageSize": "12",
      "cloneGapped.values": "0.000000,2.000000,4.000000",
      "clonePreserve.rc": "0",
      "clonePreserve.strides": "[2]",
      "clonePreserve.storageSize": "20",
      "clonePreserve.third": "4",
    });
  });

  it("copy_ writes through the destination's strides, converts between dtypes and refuses other shapes", () => {
    expect(facts).toMatchObject({
      "copy.rc": "0",
      "copy.values": "100,103,101,104,102,105",
      "copyShapeMismatch.rc": "1",
      "copyDtype.rc": "0",
      "copyDtype.values": "100,101,102,103,104,105",
      "convertStrided.rc": "0",
      // the transposed float32 view [[-1,0.5],[-0.5,1],[0,1.5]] written through a transposed bf16 view
      "convertStrided.values": "-1.00,-0.50,0.000,0.500,1.000,1.500",
    });
  });

  it("copy_ between dtypes gives what torch gives, for every pair the probe converts", () => {
    const keys = Object.keys(facts).filter((k) => k.startsWith("convert.") && k.endsWith(".in"));
    const cases = keys.map((k) => {
      const key = k.slice(0, -3);
      const [from, to] = key.slice("convert.".length).split(">") as [string, string];
      expect(facts[`${key}.rc`], key).toBe("0");
      return { key, from, to, input: facts[k], output: facts[`${key}.out`] };
    });
    expect(cases.length).toBeGreaterThan(50);
    const judged = spawnSync(testPython(), ["-c", TORCH_CONVERSION_JUDGE], {
      input: JSON.stringify(cases),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(judged.status, judged.stderr).toBe(0);
    const verdict = JSON.parse(judged.stdout) as { compared: number; mismatches: string[] };
    expect(verdict.mismatches).toEqual([]);
    expect(verdict.compared).toBeGreaterThan(20_000);
  });

  it("null, foreign and deleted handles are refused by every function that takes one, without a crash", () => {
    expect(facts["badHandles.calls"]).toBe("51");
    expect(facts["badHandles.refused"]).toBe("51");
    expect(facts).toMatchObject({ "deleteOnce.rc": "0", "deleteTwice.rc": "1", "getterNullOut.rc": "1" });
    expect(stderr).toContain("not a live tensor handle");
  });

  it("grad mode is per thread and enabled by default", () => {
    expect(facts).toMatchObject({ "grad.default": "1", "grad.afterDisable": "0", "grad.otherThread": "1" });
  });

  it("warn prints to stderr; check throws std::runtime_error with the message (the model's run catches it)", () => {
    expect(stderr).toContain("warning in probe_func (probe.cc:42): probe warning text");
    expect(facts["check.threw"]).toBe("check failed in probe_func (probe.cc:7): probe check text");
  });

  it("CUDA stream guards are refused without libcudart; a stale guard is refused; the default stream is null", () => {
    expect(facts).toMatchObject({
      "guardNoRuntime.rc": "1",
      "guardBogusDelete.rc": "1",
      "guardNullDelete.rc": "1",
      "currentStream.rc": "0",
      "currentStream.null": "1",
    });
  });

  it("the Sleef stand-ins (libmvec, else libm per lane) are within 4 ulp of libm in every lane", () => {
    for (const key of ["sleef.expf8", "sleef.sinf8_u35", "sleef.erfd4"]) expect(facts[key], key).toBe("1");
    if (facts["sleef.expf16"] !== undefined)
      for (const key of ["sleef.expf16", "sleef.tanhf16", "sleef.cosf16_u35", "sleef.logd8"])
        expect(facts[key], key).toBe("1");
  });

  it("every exported Sleef_* stand-in is within 4 ulp of libm's function in every lane", () => {
    expect(sleefNames.length).toBeGreaterThan(100);
    expect(facts["sleefAll.failed"]).toBe("");
    expect(Number(facts["sleefAll.checked"]) + Number(facts["sleefAll.skipped"])).toBe(sleefNames.length);
    if (facts["sleef.expf16"] !== undefined) expect(facts["sleefAll.skipped"]).toBe("0");
  });

  it("the probe calls every aoti_torch_* function the addon exports", () => {
    const probeSource = readFileSync(here("./support/shim-probe.cc"), "utf8");
    expect(shimNames.length).toBe(41);
    expect(shimNames.filter((name) => !probeSource.includes(name))).toEqual([]);
  });
});

// torch as the judge of the shim's conversions: each case's input bytes converted with `.to()`.
// Floating results compare by value (NaN as NaN: torch itself writes bfloat16 NaN as 0xFFFF in its
// vector kernels and 0x7FC0 in c10; signed zeros must match); integers and bool by bytes.
const TORCH_CONVERSION_JUDGE = `
import json, sys, torch
cases = json.load(sys.stdin)
compared, mismatches = 0, []
for c in cases:
    src_t, dst_t = getattr(torch, c["from"]), getattr(torch, c["to"])
    x = torch.frombuffer(bytearray.fromhex(c["input"]), dtype=src_t)
    want = x.to(dst_t)
    got = torch.frombuffer(bytearray.fromhex(c["output"]), dtype=dst_t)
    if want.is_floating_point():
        w, g = want.double(), got.double()
        same = (w.isnan() & g.isnan()) | ((w == g) & (w.signbit() == g.signbit()))
    else:
        same = want == got
    compared += x.numel()
    for i in (~same).nonzero().flatten().tolist()[:5]:
        mismatches.append(f"{c['key']}[{i}]: {x[i].item()!r} gave {got[i].item()!r}, torch {want[i].item()!r}")
print(json.dumps({"compared": compared, "mismatches": mismatches}))
`;
