import { Option } from "commander";

/** `--runtime` for every command that chooses artifacts; unset defers to AOTIHUB_RUNTIME, then the config. */
export function runtimeOption(): Option {
  return new Option(
    "--runtime <runtime>",
    "auto (libtorch builds where torch is found, else standalone), libtorch, or standalone (no libtorch); default AOTIHUB_RUNTIME, then the config's defaults.runtime",
  ).choices(["auto", "libtorch", "standalone"]);
}
