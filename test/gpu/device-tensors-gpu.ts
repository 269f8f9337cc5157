// Device-resident tensors on a GPU (issue 14 goal 4, issue 10 device-input checks): upload with
// toDevice, read back with toHost, dispose; a 28-step loop kept on the GPU read once at the end,
// bit-identical to the same loop through host memory; device inputs checked natively (dtype, shape,
// GPU index). Run by test/gpu/run.sh on the GPU machine:
//   node device-tensors-gpu.mjs <models-root> <so-cache> <results.json> [<dit repo name>]
import { join } from "node:path";
import {
  type DeviceTensor,
  isDeviceTensor,
  type LoadedModel,
  loadPackages,
  probeGpus,
  type Tensor,
} from "@aotihub/native";
import { binding } from "../../packages/native/lib/binding.js";
import { readBucketIo, sameBytes } from "../support/bucket-io.js";
import { repoPackages } from "../support/repo-packages.js";
import { createChecks } from "./gpu-harness.js";

const [modelsRoot, cacheDir, resultsFile, ditName = "dit-1024"] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const gpuCount = (await probeGpus()).length;
const checks = createChecks([
  "toDevice keeps dtype and shape",
  "toHost(toDevice(t)) is t",
  "run on an uploaded input, kept on the device, read back = host run",
  "runSync on the GPU = run",
  "native refuses a device tensor passed with another dtype",
  "native refuses a device tensor passed with another shape",
  "a disposed device tensor is refused",
  "toHost after dispose is refused",
  "28-step loop on the device = the same loop through host memory",
  // Planned only where they can run: on one GPU they are skipped with a printed reason.
  ...(gpuCount >= 2
    ? ["a device tensor of another GPU is refused", "native refuses it too (JS bypassed)"]
    : []),
]);
const codeOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === "function" ? p() : p);
    return "no error";
  } catch (error) {
    return (
      (error as { code?: string; nativeCode?: string }).code ??
      (error as { nativeCode?: string }).nativeCode ??
      String(error)
    );
  }
};
const load = (repo: string, device: string) => loadPackages({ ...repoPackages(repo), device, cacheDir });

try {
  const mlpRepo = join(modelsRoot, "tiny-mlp");
  const io = await readBucketIo(mlpRepo, "b2");
  const mlp = await load(mlpRepo, "cuda:0");
  const [hostOut] = (await mlp.run(io.inputs)) as Tensor[];
  const x = await mlp.toDevice(io.inputs.x!);
  checks.check(
    "toDevice keeps dtype and shape",
    x.dtype === io.inputs.x!.dtype && x.shape.join() === io.inputs.x!.shape.join() && x.device === "cuda:0",
    `${x.dtype}[${x.shape}] on ${x.device}`,
  );
  const roundTrip = await x.toHost();
  checks.check("toHost(toDevice(t)) is t", sameBytes(roundTrip, io.inputs.x!), "bytes compared");
  const [kept] = await mlp.run({ x }, { keepOnDevice: true });
  checks.check(
    "run on an uploaded input, kept on the device, read back = host run",
    isDeviceTensor(kept) && sameBytes(await kept.toHost(), hostOut!),
    "bytes compared",
  );
  const [syncOut] = mlp.runSync({ x }) as Tensor[];
  checks.check("runSync on the GPU = run", sameBytes(syncOut!, hostOut!), "bytes compared");
  // Native checks of device inputs: a lying dtype or shape from JS is refused by native code.
  const container = (
    mlp as unknown as { variantList: { opened(): { handle: never } | null }[] }
  ).variantList[0]!.opened()!;
  const handle = (x as unknown as { handle(): never }).handle();
  checks.check(
    "native refuses a device tensor passed with another dtype",
    (await codeOf(() =>
      binding().runContainer(container.handle, [{ dtype: "float16", shape: [2, 8], device: handle }], false),
    )) === "NATIVE_INPUT",
    "nativeCode",
  );
  checks.check(
    "native refuses a device tensor passed with another shape",
    (await codeOf(() =>
      binding().runContainer(container.handle, [{ dtype: "float32", shape: [4, 4], device: handle }], false),
    )) === "NATIVE_INPUT",
    "nativeCode",
  );
  x.dispose();
  checks.check(
    "a disposed device tensor is refused",
    (await codeOf(mlp.run({ x }))) === "AOTIHUB_DISPOSED",
    await codeOf(mlp.run({ x })),
  );
  checks.check("toHost after dispose is refused", (await codeOf(x.toHost())) === "AOTIHUB_DISPOSED", "code");
  (kept as DeviceTensor).dispose();

  if (gpuCount >= 2) {
    const other = await load(mlpRepo, "cuda:1");
    const onOther = await other.toDevice(io.inputs.x!);
    checks.check(
      "a device tensor of another GPU is refused",
      (await codeOf(mlp.run({ x: onOther }))) === "AOTIHUB_INPUT_WRONG_DEVICE",
      "code",
    );
    const container1 = (
      other as unknown as { variantList: { opened(): { handle: never } | null }[] }
    ).variantList[0]!.opened()!;
    const h0 = (await mlp.toDevice(io.inputs.x!)) as unknown as { handle(): never };
    checks.check(
      "native refuses it too (JS bypassed)",
      (await codeOf(() =>
        binding().runContainer(
          container1.handle,
          [{ dtype: "float32", shape: [2, 8], device: h0.handle() }],
          false,
        ),
      )) === "NATIVE_WRONG_DEVICE",
      "nativeCode",
    );
    other.dispose();
  } else {
    process.stderr.write("skip: a device tensor of another GPU needs two GPUs (this machine has one)\n");
  }
  mlp.dispose();

  // The loop a denoiser runs: 28 steps on the GPU, one read at the end.
  const ditRepo = join(modelsRoot, ditName);
  const dit: LoadedModel = await load(ditRepo, "cuda:0");
  const dio = await readBucketIo(ditRepo, dit.variants[0]!.name);
  const [latentsName, timestepName] = dit.inputNames as [string, string];
  let hostLatents = dio.inputs[latentsName]!;
  for (let step = 0; step < 28; step++)
    [hostLatents] = (await dit.run({
      [latentsName]: hostLatents,
      [timestepName]: dio.inputs[timestepName]!,
    })) as Tensor[] as [Tensor];
  const timestep = await dit.toDevice(dio.inputs[timestepName]!);
  let latents = await dit.toDevice(dio.inputs[latentsName]!);
  for (let step = 0; step < 28; step++) {
    const [next] = await dit.run(
      { [latentsName]: latents, [timestepName]: timestep },
      { keepOnDevice: true },
    );
    latents.dispose();
    latents = next as DeviceTensor;
  }
  const result = await latents.toHost();
  checks.check(
    "28-step loop on the device = the same loop through host memory",
    sameBytes(result, hostLatents),
    `${result.dtype}[${result.shape}]`,
  );
  dit.dispose();
} catch (error) {
  checks.unexpected(error);
}
await checks.finish(resultsFile, "device-tensor");
