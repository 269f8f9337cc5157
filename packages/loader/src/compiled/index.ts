export { chooseDevice, type DeviceChoice, type DeviceOption } from "./choose-device.js";
export { CompiledModel, type CompiledVariant, type Provenance } from "./compiled-model.js";
export { type LoadCompiledOptions, loadCompiled } from "./load-compiled.js";
export { loadedModels } from "./loaded-models.js";
