// A scripted Hub on loopback for the download tests: a Hub origin (API + resolve) and a separate
// CDN origin for LFS files, as huggingface.co and its CDN are. Tests push faults that the next
// matching requests suffer (resets, 5xx, 429, truncation, wrong bytes, stalls, loops, expiry).
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Content described by a function so a 1 GiB file needs no 1 GiB buffer. */
export interface SyntheticContent {
  size: number;
  read(start: number, end: number): Buffer;
}

export interface HubFile {
  path: string;
  content: Buffer | SyntheticContent;
  lfs: boolean;
}

export type FaultAction =
  | { kind: "status"; status: number; headers?: Record<string, string> }
  | { kind: "reset-mid-body"; afterBytes: number }
  | { kind: "truncate"; afterBytes: number }
  | { kind: "wrong-bytes" }
  | { kind: "stall" }
  | { kind: "redirect-loop" };

export interface Fault {
  /** Which requests it hits: "hub" (resolve on the Hub origin), "cdn", or "api". */
  where: "hub" | "cdn" | "api";
  method?: "GET" | "HEAD";
  action: FaultAction;
  /** How many requests it hits (default 1). */
  times?: number;
}

export const REPO = "acme/tiny";
export const COMMIT = createHash("sha1").update("scripted-hub").digest("hex");

export function bufferContent(bytes: Buffer): SyntheticContent {
  return { size: bytes.length, read: (s, e) => bytes.subarray(s, e + 1) };
}

/** Deterministic pseudo-random bytes of any size: a 1 MiB block, each copy rotated differently. */
export function syntheticContent(size: number, seed = 1): SyntheticContent {
  const block = Buffer.alloc(1 << 20);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  return {
    size,
    read(start, end) {
      const out = Buffer.allocUnsafe(end - start + 1);
      for (let o = 0; o < out.length; ) {
        const pos = start + o;
        // each 1 MiB copy of the block is rotated by a different amount, so no two MiB are equal
        const shift = (Math.floor(pos / block.length) * 7919) % block.length;
        const inBlock = (pos % block.length) + shift;
        const from = inBlock % block.length;
        const n = Math.min(out.length - o, block.length - (pos % block.length), block.length - from);
        block.copy(out, o, from, from + n);
        o += n;
      }
      return out;
    },
  };
}

function asContent(c: Buffer | SyntheticContent): SyntheticContent {
  return Buffer.isBuffer(c) ? bufferContent(c) : c;
}

function digest(content: SyntheticContent, algo: "sha256" | "sha1", prefix?: string): string {
  const hash = createHash(algo);
  if (prefix) hash.update(prefix);
  const step = 16 << 20;
  for (let s = 0; s < content.size; s += step)
    hash.update(content.read(s, Math.min(content.size, s + step) - 1));
  return hash.digest("hex");
}

interface Entry {
  path: string;
  content: SyntheticContent;
  lfs: boolean;
  etag: string;
  sha256: string;
}

export class ScriptedHub {
  readonly faults: Fault[] = [];
  /** Every request as "METHOD where path [range]", for assertions. */
  readonly log: string[] = [];
  /** Signed CDN URLs older than this generation answer 403 (an expired URL). */
  cdnGeneration = 0;
  expireBefore = 0;
  bytesServed = 0;
  readonly #entries = new Map<string, Entry>();
  readonly #byEtag = new Map<string, Entry>();
  #hub!: Server;
  #cdn!: Server;
  readonly #sockets = new Set<import("node:net").Socket>();
  /** Bytes/s per CDN response (0: unthrottled). */
  throttle = 0;

  constructor(files: HubFile[]) {
    for (const f of files) {
      const content = asContent(f.content);
      const sha256 = digest(content, "sha256");
      const etag = f.lfs ? sha256 : digest(content, "sha1", `blob ${content.size}\0`);
      const entry = { path: f.path, content, lfs: f.lfs, etag, sha256 };
      this.#entries.set(f.path, entry);
      this.#byEtag.set(etag, entry);
    }
  }

  entry(path: string): Entry {
    return this.#entries.get(path)!;
  }

  hubUrl = "";
  cdnUrl = "";

  async start(): Promise<this> {
    const listen = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      new Promise<Server>((resolve) => {
        const server = createServer(handler);
        server.on("connection", (s) => {
          this.#sockets.add(s);
          s.on("close", () => this.#sockets.delete(s));
        });
        server.listen(0, "127.0.0.1", () => resolve(server));
      });
    this.#hub = await listen((req, res) => this.#onHub(req, res));
    this.#cdn = await listen((req, res) => this.#onCdn(req, res));
    this.hubUrl = `http://127.0.0.1:${(this.#hub.address() as AddressInfo).port}`;
    this.cdnUrl = `http://127.0.0.1:${(this.#cdn.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([this.#hub, this.#cdn].map((s) => new Promise((r) => s.close(r))));
  }

  #takeFault(where: Fault["where"], method: string): FaultAction | undefined {
    const index = this.faults.findIndex(
      (f) => f.where === where && (f.method === undefined || f.method === method),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault.action;
  }

  #common(res: ServerResponse, entry: Entry): void {
    res.setHeader("x-repo-commit", COMMIT);
    res.setHeader("x-request-id", `req-${this.log.length}`);
    if (entry.lfs) {
      res.setHeader("x-linked-etag", `"${entry.etag}"`);
      res.setHeader("x-linked-size", String(entry.content.size));
    }
    res.setHeader("etag", `"${entry.etag}"`);
  }

  #onHub(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", this.hubUrl);
    const method = req.method ?? "GET";
    this.log.push(`${method} hub ${url.pathname}`);
    if (url.pathname.startsWith("/api/")) return this.#onApi(req, res, url);
    const fault = this.#takeFault("hub", method);
    if (fault && this.#applyHeaderFault(res, fault, url)) return;
    const prefix = `/${REPO}/resolve/`;
    if (!url.pathname.startsWith(prefix)) return this.#error(res, 404, "RepoNotFound");
    const rest = decodeURIComponent(url.pathname.slice(prefix.length));
    const slash = rest.indexOf("/");
    const revision = rest.slice(0, slash);
    const path = rest.slice(slash + 1);
    if (revision !== "main" && revision !== COMMIT) return this.#error(res, 404, "RevisionNotFound");
    const entry = this.#entries.get(path);
    if (!entry) {
      res.setHeader("x-repo-commit", COMMIT);
      return this.#error(res, 404, "EntryNotFound");
    }
    this.#common(res, entry);
    if (entry.lfs) {
      res.statusCode = 302;
      res.setHeader("location", `${this.cdnUrl}/${entry.etag}?gen=${this.cdnGeneration++}`);
      res.setHeader("content-length", "0");
      return void res.end();
    }
    this.#sendBody(req, res, entry, fault);
  }

  #onApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    const fault = this.#takeFault("api", req.method ?? "GET");
    if (fault && this.#applyHeaderFault(res, fault, url)) return;
    const base = `/api/models/${REPO}/`;
    if (!url.pathname.startsWith(base)) return this.#error(res, 404, "RepoNotFound");
    res.setHeader("content-type", "application/json");
    const rest = url.pathname.slice(base.length);
    if (rest.startsWith("revision/")) {
      const revision = decodeURIComponent(rest.slice("revision/".length));
      if (revision !== "main" && revision !== COMMIT) return this.#error(res, 404, "RevisionNotFound");
      return void res.end(
        JSON.stringify({
          id: REPO,
          sha: COMMIT,
          siblings: [...this.#entries.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
    }
    if (rest.startsWith("tree/")) {
      const list = [...this.#entries.values()].map((e) => ({
        type: "file",
        path: e.path,
        size: e.content.size,
        oid: e.lfs ? createHash("sha1").update(e.etag).digest("hex") : e.etag,
        ...(e.lfs ? { lfs: { oid: e.sha256, size: e.content.size, pointerSize: 130 } } : {}),
      }));
      // two pages, to exercise pagination
      const cursor = url.searchParams.get("cursor");
      const half = Math.ceil(list.length / 2);
      if (cursor === null && list.length > 1) {
        const next = new URL(url);
        next.searchParams.set("cursor", "2");
        res.setHeader("link", `<${next}>; rel="next"`);
        return void res.end(JSON.stringify(list.slice(0, half)));
      }
      return void res.end(JSON.stringify(cursor === null ? list : list.slice(half)));
    }
    this.#error(res, 404, "EntryNotFound");
  }

  #onCdn(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", this.cdnUrl);
    const method = req.method ?? "GET";
    this.log.push(
      `${method} cdn ${url.pathname} ${req.headers.range ?? ""} auth=${req.headers.authorization !== undefined}`,
    );
    const fault = this.#takeFault("cdn", method);
    if (fault && this.#applyHeaderFault(res, fault, url)) return;
    const generation = Number(url.searchParams.get("gen"));
    if (generation < this.expireBefore) {
      res.statusCode = 403;
      return void res.end("Request has expired");
    }
    const entry = this.#byEtag.get(url.pathname.slice(1));
    if (!entry) return this.#error(res, 404, "EntryNotFound");
    res.setHeader("etag", `"${entry.etag}"`);
    this.#sendBody(req, res, entry, fault);
  }

  /** Faults that replace the response; true when the response is done. */
  #applyHeaderFault(res: ServerResponse, fault: FaultAction, url: URL): boolean {
    if (fault.kind === "status") {
      res.writeHead(fault.status, fault.headers ?? {});
      res.end();
      return true;
    }
    if (fault.kind === "redirect-loop") {
      res.writeHead(302, { location: url.pathname + url.search });
      res.end();
      return true;
    }
    if (fault.kind === "stall") return true; // never answer
    return false;
  }

  #sendBody(req: IncomingMessage, res: ServerResponse, entry: Entry, fault: FaultAction | undefined): void {
    const size = entry.content.size;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { "content-range": `bytes */${size}` });
        return void res.end();
      }
      const ifMatch = req.headers["if-match"];
      if (ifMatch !== undefined && ifMatch !== `"${entry.etag}"`) {
        res.writeHead(412);
        return void res.end();
      }
      res.statusCode = 206;
      res.setHeader("content-range", `bytes ${start}-${end}/${size}`);
    } else res.statusCode = 200;
    res.setHeader("content-length", String(end - start + 1));
    res.setHeader("accept-ranges", "bytes");
    if (req.method === "HEAD") return void res.end();
    let position = start;
    let sent = 0;
    const step = 256 * 1024;
    const pump = () => {
      while (position <= end) {
        if (
          fault &&
          (fault.kind === "reset-mid-body" || fault.kind === "truncate") &&
          sent >= fault.afterBytes
        ) {
          if (fault.kind === "reset-mid-body") res.socket?.resetAndDestroy();
          else res.socket?.destroy();
          return;
        }
        let piece = entry.content.read(position, Math.min(end, position + step - 1));
        if (fault?.kind === "wrong-bytes") piece = Buffer.from(piece.map((b) => b ^ 0x5a));
        position += piece.length;
        sent += piece.length;
        this.bytesServed += piece.length;
        const flowing = res.write(piece);
        if (this.throttle > 0) {
          setTimeout(pump, (piece.length / this.throttle) * 1000);
          return;
        }
        if (!flowing) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  }

  #error(res: ServerResponse, status: number, code: string): void {
    res.statusCode = status;
    res.setHeader("x-error-code", code);
    res.setHeader("x-request-id", `req-${this.log.length}`);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ error: `${code} (scripted)` }));
  }
}
