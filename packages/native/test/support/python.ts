import { findTorch, type TorchInstall } from "@aotihub/native";
import { testPython } from "../../../../test/support/python.js";

export { testPython };

/** The torch of the test Python, found the way users' code finds it. */
export function testTorch(): Promise<TorchInstall> {
  found ??= findTorch({ pythons: [testPython()] });
  return found;
}
let found: Promise<TorchInstall> | undefined;
