import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAotihubError } from "@aotihub/registry";
import { parseAccessConfig, readAccessConfig } from "./access/access-config.js";
import { RepoAccess } from "./access/repo-access.js";
import { CdnSigner } from "./cdn/cdn-signer.js";
import type { FaultInjector } from "./faults/fault-injector.js";
import { BodyTooLargeError, requestOrigin, sendHubError } from "./http/hub-response.js";
import type { HubContext } from "./hub-context.js";
import { HubServerError } from "./hub-server-error.js";
import type { HubServerOptions } from "./hub-server-options.js";
import { LfsUploadStore } from "./publish/lfs-upload-store.js";
import { createLfsMatcher, DEFAULT_LFS_PATTERNS, DEFAULT_LFS_THRESHOLD_BYTES } from "./repo/lfs-rule.js";
import { RepoStore } from "./repo/repo-store.js";
import { handleCdn } from "./routes/handle-cdn.js";
import { routeApiRequest } from "./routes/route-api-request.js";

/** One request as the server saw it, for tests that assert on traffic (e.g. no token sent to the CDN). */
export interface HubRequestRecord {
  origin: "api" | "cdn";
  method: string;
  /** Path and query. */
  url: string;
  status: number;
  hadAuthorization: boolean;
  range: string | undefined;
}

export interface HubServer {
  /** The API origin, what HF_ENDPOINT points at (`http://127.0.0.1:PORT`). */
  url: string;
  /** The CDN origin LFS downloads are redirected to. */
  cdnUrl: string;
  root: string;
  close(): Promise<void>;
}

/**
 * What only the test entry (`@aotihub/hub-server/testing`) plugs in: faults to inject and a
 * recorder of each finished request. A served Hub has neither.
 */
export interface HubServerHooks {
  faults?: FaultInjector;
  onRequest?: (record: HubRequestRecord) => void;
}

/**
 * Starts a Hub-compatible server over a folder of repos: an API origin (what HF_ENDPOINT names)
 * and a CDN origin on its own port that LFS downloads are redirected to, as on the real Hub.
 */
export function startHubServer(options: HubServerOptions): Promise<HubServer> {
  return openHubServer(options, {});
}

/** startHubServer with test hooks; internal to the package (the testing entry wraps it). */
export async function openHubServer(options: HubServerOptions, hooks: HubServerHooks): Promise<HubServer> {
  const root = resolve(options.root);
  const rootStats = await stat(root).catch(() => null);
  if (!rootStats?.isDirectory()) {
    throw new HubServerError("AOTIHUB_HUB_SERVER_START", `Cannot serve ${root}: not a folder`, {
      expected: "a folder holding models/<org>/<name>/ (and/or datasets/, kernels/)",
      received: rootStats ? "a file" : "nothing at that path",
      hint: "Create the folder or pass the right path.",
    });
  }
  const access = options.access
    ? parseAccessConfig(options.access, "options.access")
    : await readAccessConfig(root);
  const isLfs = createLfsMatcher({
    thresholdBytes: options.lfsThresholdBytes ?? DEFAULT_LFS_THRESHOLD_BYTES,
    patterns: options.lfsPatterns ?? DEFAULT_LFS_PATTERNS,
  });
  const host = options.host ?? "127.0.0.1";
  let cdnPort = 0;
  let apiBase = "";

  const ctx: HubContext = {
    store: new RepoStore(root, isLfs),
    access: new RepoAccess(access),
    signer: new CdnSigner(),
    faults: hooks.faults ?? null,
    uploads: new LfsUploadStore(root),
    isLfs,
    treePageSize: options.treePageSize ?? 1000,
    cdn: {
      bytesPerSecond: options.throttleBytesPerSecond,
      latencyMs: options.latencyMs ?? 0,
      urlTtlSeconds: options.cdnUrlTtlSeconds ?? 3600,
    },
    apiOrigin: (req) => requestOrigin(req, apiBase),
    cdnOrigin: (req) => `http://${new URL(requestOrigin(req, apiBase)).hostname}:${cdnPort}`,
  };

  const serve =
    (origin: "api" | "cdn") =>
    (req: IncomingMessage, res: ServerResponse): void => {
      res.setHeader("X-Request-Id", randomUUID());
      const { onRequest } = hooks;
      if (onRequest) {
        res.on("finish", () =>
          onRequest({
            origin,
            method: req.method ?? "",
            url: req.url ?? "",
            status: res.statusCode,
            hadAuthorization: req.headers.authorization !== undefined,
            range: req.headers.range,
          }),
        );
      }
      handle(ctx, origin, req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof BodyTooLargeError) return sendHubError(res, 413, error.message);
        if (error instanceof URIError) return sendHubError(res, 400, "Malformed percent-encoding in the URL");
        sendHubError(res, 500, isAotihubError(error) ? error.message : `Internal error: ${String(error)}`);
      });
    };

  const api = createServer({ keepAliveTimeout: 30_000 }, serve("api"));
  const cdn = createServer({ keepAliveTimeout: 30_000 }, serve("cdn"));
  const apiPort = await listen(api, host, options.port ?? 0);
  try {
    cdnPort = await listen(cdn, host, options.cdnPort ?? 0);
  } catch (error) {
    await closeServer(api);
    throw error;
  }
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  apiBase = `http://${urlHost}:${apiPort}`;
  return {
    url: apiBase,
    cdnUrl: `http://${urlHost}:${cdnPort}`,
    root,
    close: async () => {
      await Promise.all([closeServer(api), closeServer(cdn)]);
    },
  };
}

async function handle(ctx: HubContext, origin: "api" | "cdn", req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://local");
  const fault = ctx.faults?.take(origin, req.method ?? "GET", `${url.pathname}${url.search}`);
  if (fault?.type === "reset" && fault.afterBytes === 0) {
    req.socket.destroy();
    return;
  }
  if (fault?.type === "delay") await sleep(fault.ms);
  if (origin === "cdn" && ctx.cdn.latencyMs > 0) await sleep(ctx.cdn.latencyMs);
  if (fault?.type === "status") {
    const body = Buffer.from(fault.body ?? JSON.stringify({ error: `Injected fault: ${fault.status}` }));
    res.writeHead(fault.status, {
      "Content-Type": "application/json",
      "Content-Length": body.byteLength,
      ...fault.headers,
    });
    res.end(body);
    return;
  }
  const bodyFault =
    fault?.type === "reset" || fault?.type === "corrupt" || fault?.type === "stall" ? fault : null;
  if (origin === "cdn") await handleCdn(ctx, req, res, url, bodyFault);
  else await routeApiRequest(ctx, req, res, url, bodyFault);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new HubServerError("AOTIHUB_HUB_SERVER_START", `Cannot listen on ${host}:${port}`, {
          expected: "a free port on an interface of this machine",
          received: error.code ?? error.message,
          hint: error.code === "EADDRINUSE" ? "Pick another port (or 0 for any free one)." : "Check --host.",
          cause: error,
        }),
      );
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
