import { execFileSync } from "node:child_process";
import { testPython } from "./python.js";

/**
 * Writes `dstPt2`: a copy of `srcPt2` whose compiled model library (`*.wrapper.so`) is replaced by
 * `so`, every other entry kept as is (Python's zipfile writes it, as torch's packager would).
 */
export function swapWrapperSo(srcPt2: string, so: string, dstPt2: string): string {
  const script = `
import sys, zipfile
src, so, dst = sys.argv[1:]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as b:
    for info in a.infolist():
        data = open(so, "rb").read() if info.filename.endswith(".wrapper.so") else a.read(info.filename)
        b.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
`;
  execFileSync(testPython(), ["-c", script, srcPt2, so, dstPt2]);
  return dstPt2;
}
