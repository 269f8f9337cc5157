// Opens a library built with a static libstdc++ (static-libstdcxx-library.cc) as a model variant,
// again and again: each open fails after the dlopen (not an AOTI model) and the runtime closes it.
// Prints one JSON line: glibc's malloc bytes in use per open/close, whether the library stayed
// mapped after its last close, and how many of ten other copies stay mapped after one open each.
import { copyFileSync, readFileSync } from "node:fs";
import { binding } from "../../../lib/binding.js";

const [torchLibDir, library, cyclesArg] = process.argv.slice(2) as [string, string, string];
const native = binding();
await native.loadTorch(torchLibDir, false);
const store = await native.createWeightStore({ cuda: false, deviceIndex: 0, files: [] });
const codes = new Set<string>();
const open = async (soPath = library) => {
  try {
    await native.openContainer({
      soPath,
      cubinDir: "",
      cuda: false,
      deviceIndex: 0,
      store: store.handle,
    });
    codes.add("opened");
  } catch (error) {
    codes.add(String((error as { nativeCode?: string }).nativeCode));
  }
};
for (let i = 0; i < 3; i++) await open();
const before = native.mallocStats().inUseBytes;
const cycles = Number(cyclesArg);
for (let i = 0; i < cycles; i++) await open();
const perOpen = (native.mallocStats().inUseBytes - before) / cycles;
const mapped = readFileSync("/proc/self/maps", "utf8").includes(library);
// Then ten more libraries (copies under other paths), each opened once: how many stay loaded.
const copies = Array.from({ length: 10 }, (_, i) => `${library}.${i}.so`);
for (const copy of copies) {
  copyFileSync(library, copy);
  await open(copy);
}
const maps = readFileSync("/proc/self/maps", "utf8");
const copiesMapped = copies.filter((copy) => maps.includes(copy)).length;
process.stdout.write(
  `${JSON.stringify({ perOpenBytes: perOpen, mapped, copiesMapped, codes: [...codes] })}\n`,
);
