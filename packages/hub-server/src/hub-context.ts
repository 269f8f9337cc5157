import type { IncomingMessage } from "node:http";
import type { RepoAccess } from "./access/repo-access.js";
import type { CdnSigner } from "./cdn/cdn-signer.js";
import type { FaultInjector } from "./faults/fault-injector.js";
import type { LfsUploadStore } from "./publish/lfs-upload-store.js";
import type { FileBytes } from "./repo/file-bytes.js";
import type { RepoStore } from "./repo/repo-store.js";

/** Everything a request handler of either origin needs; built once per server. */
export interface HubContext {
  store: RepoStore;
  access: RepoAccess;
  signer: CdnSigner;
  /** Armed by tests through the testing entry; null on a served Hub. */
  faults: FaultInjector | null;
  uploads: LfsUploadStore;
  /** Where served files are read from (the disk, or a test's synthetic content). */
  fileBytes: FileBytes;
  isLfs: (path: string, size: number) => boolean;
  treePageSize: number;
  cdn: { bytesPerSecond: number | undefined; latencyMs: number; urlTtlSeconds: number };
  /** The API origin as the client reached it (links in `Link` and commit URLs). */
  apiOrigin: (req: IncomingMessage) => string;
  /** The CDN origin as the client of this API request can reach it (same host name, CDN port). */
  cdnOrigin: (req: IncomingMessage) => string;
}
