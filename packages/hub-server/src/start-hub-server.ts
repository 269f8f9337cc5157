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
import { answerWithFault } from "./faults/apply-fault.js";
import type { FaultInjector } from "./faults/fault-injector.js";
import { bodyBytesSent } from "./http/body-bytes.js";
import { createHostCheck } from "./http/host-check.js";
import { BodyTooLargeError, requestOrigin, sendHubError } from "./http/hub-response.js";
import type { HubContext } from "./hub-context.js";
import { HubServerError } from "./hub-server-error.js";
import type { HubServerOptions } from "./hub-server-options.js";
import { LfsUploadStore } from "./publish/lfs-upload-store.js";
import { diskFileBytes, type FileBytes } from "./repo/file-bytes.js";
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
  /** The status sent, or 0 when no answer was sent (a `hang` or `reset` fault, a client gone first). */
  status: number;
  /** False when the response did not end cleanly (a cut body, a reset, a client that went away). */
  completed: boolean;
  /** File body bytes the server handed to the connection (0 for JSON answers and redirects). */
  bodyBytes: number;
  /** The `X-Request-Id` sent (clients quote it in errors). */
  requestId: string;
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
  /** Where file bytes come from (default: the disk). */
  fileBytes?: FileBytes;
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
  const fileBytes = hooks.fileBytes ?? diskFileBytes;
  const hostAllowed = createHostCheck(host, options.allowedHosts ?? []);
  let cdnPort = 0;
  let apiBase = "";

  const ctx: HubContext = {
    store: new RepoStore(root, isLfs, fileBytes),
    fileBytes,
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
      const requestId = randomUUID();
      res.setHeader("X-Request-Id", requestId);
      const { onRequest } = hooks;
      if (onRequest) {
        // "close", not "finish": a response cut by a fault or a client going away never finishes.
        res.on("close", () =>
          onRequest({
            origin,
            method: req.method ?? "",
            url: req.url ?? "",
            status: res.headersSent ? res.statusCode : 0,
            completed: res.writableFinished,
            bodyBytes: bodyBytesSent(res),
            requestId,
            hadAuthorization: req.headers.authorization !== undefined,
            range: req.headers.range,
          }),
        );
      }
      if (!hostAllowed(req.headers.host)) {
        sendHubError(
          res,
          403,
          `Host ${JSON.stringify(req.headers.host ?? "")} is not served here: use an IP address, localhost, or a name given to --allowed-host`,
        );
        return;
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
  const fault = ctx.faults?.take(origin, req.method ?? "GET", `${url.pathname}${url.search}`) ?? null;
  if (fault && (await answerWithFault(req, res, fault))) return;
  if (origin === "cdn" && ctx.cdn.latencyMs > 0) await sleep(ctx.cdn.latencyMs);
  if (origin === "cdn") await handleCdn(ctx, req, res, url, fault);
  else await routeApiRequest(ctx, req, res, url, fault);
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
