import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { recordBodyBytes } from "../http/body-bytes.js";
import { ConnectionPace } from "./connection-throttle.js";

/** Slices read from the file at once: one positioned read per ~8 ms of transfer at 40 MB/s. */
const SLICES_PER_READ = 4;

/**
 * Sends bytes `start..end` (inclusive) of a file on disk as `res`'s body, paced for its connection
 * (ConnectionPace), then ends `res`. The bench's harness: a file stream piped through a pacing
 * transform allocated a fresh buffer per read and held it across the pacing sleeps, and the
 * server spent a third of its CPU in V8's full collections (~20 per 256 MiB served), CPU taken
 * from the client it measures on a 2-core machine. Here two buffers are read into in turn, each
 * reused only once every write from it has left (its callbacks came). Rejects when the client goes
 * away or the file is shorter than announced; the caller destroys `res` then.
 */
export async function sendPacedFile(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  bytesPerSecond: number,
): Promise<void> {
  const socket = res.socket;
  if (socket === null) throw new Error("no connection to pace");
  const pace = new ConnectionPace(socket, bytesPerSecond);
  const handle = await open(path, "r");
  const closed = new Promise<never>((_, reject) => {
    res.once("close", () => reject(new Error("the client went away")));
  });
  closed.catch(() => {});
  try {
    const buffers = [0, 1].map(() => Buffer.allocUnsafe(pace.sliceBytes * SLICES_PER_READ));
    const sent: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    let position = start;
    for (let turn = 0; position <= end; turn ^= 1) {
      await Promise.race([sent[turn], closed]); // this buffer's bytes are out of our hands
      const buffer = buffers[turn]!;
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, end + 1 - position),
        position,
      );
      if (bytesRead === 0) throw new Error(`${path} ended at byte ${position}, before ${end + 1}`);
      const writes: Promise<unknown>[] = [];
      for (let offset = 0; offset < bytesRead; offset += pace.sliceBytes) {
        const slice = buffer.subarray(offset, Math.min(bytesRead, offset + pace.sliceBytes));
        const wait = pace.book(slice.byteLength);
        if (wait > 0) await Promise.race([sleep(wait), closed]);
        if (res.destroyed) await closed;
        writes.push(new Promise((done) => res.write(slice, done)));
        recordBodyBytes(res, slice.byteLength);
      }
      sent[turn] = Promise.all(writes);
      position += bytesRead;
    }
    await Promise.race([Promise.all(sent), closed]);
    await Promise.race([new Promise<void>((done) => res.end(done)), closed]);
  } finally {
    await handle.close();
  }
}
