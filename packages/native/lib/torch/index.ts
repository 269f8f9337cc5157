export { type FindTorchOptions, findTorch } from "./find-torch.js";
export { type PythonLayout, type PythonLayoutReader, pythonLayout } from "./python-layout.js";
export { readTorchInstall } from "./read-torch-install.js";
export type { TorchInstall } from "./torch-install.js";
