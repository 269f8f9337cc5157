import type { AccessConfig } from "./access/access-config.js";

/** How to run a local Hub over a folder of repos. */
export interface HubServerOptions {
  /** Folder holding `models/<org>/<name>/`, `datasets/...`, `kernels/...`. */
  root: string;
  /** Interface both origins listen on (default 127.0.0.1). */
  host?: string;
  /**
   * Host names requests may name in their `Host` header besides IP literals, `localhost` (and
   * `*.localhost`) and `host`: a request under any other name is refused (403), so a web page
   * whose DNS name was rebound to this machine cannot read from it.
   */
  allowedHosts?: string[];
  /** API origin port (default 0: any free port). */
  port?: number;
  /** CDN origin port (default 0: any free port). */
  cdnPort?: number;
  /** Files this size or larger are LFS (default 10 MiB). */
  lfsThresholdBytes?: number;
  /** Globs of file names that are LFS whatever their size (default *.safetensors, *.pt2, *.so, ...). */
  lfsPatterns?: string[];
  /** Entries per `tree` page before a `Link: rel="next"` (default 1000, as the Hub). */
  treePageSize?: number;
  /** CDN pacing per connection in bytes per second (default: unpaced). */
  throttleBytesPerSecond?: number;
  /** CDN latency added before each answer, in ms (default 0). */
  latencyMs?: number;
  /** Lifetime of signed CDN URLs in seconds (default 3600). */
  cdnUrlTtlSeconds?: number;
  /** Tokens and private/gated repos; default: `<root>/.aotihub-server.json`, else a public read-only Hub. */
  access?: AccessConfig;
}
