// The getting-started example (docs/getting-started.md): load a compiled model by its alias and run
// it once per resolution. Run from a project whose aotihub.config.json names "tiny-dit".
import { loadCompiled } from "@aotihub/loader";

const model = await loadCompiled("tiny-dit");
console.log(model.explain());

for (const variant of model.variants) {
  // The tiny DiT takes latents [1, 4, H, W] and a timestep [1], both float32 on CPU.
  const shape = variant.bucket.inputs.latents as number[];
  const latents = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
  const started = performance.now();
  const [out] = await model.run({
    latents: { dtype: "float32", shape, data: latents },
    timestep: { dtype: "float32", shape: [1], data: Float32Array.of(500) },
  });
  const ms = (performance.now() - started).toFixed(2);
  console.log(`bucket ${variant.bucket.name}: ${out!.dtype} [${out!.shape.join(", ")}] in ${ms} ms`);
}
model.dispose();
