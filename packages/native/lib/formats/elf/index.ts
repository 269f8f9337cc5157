export {
  type ElfDynamicInfo,
  ElfUnreadableError,
  parseElfDynamic,
  readElfDynamic,
} from "./read-elf-dynamic.js";
