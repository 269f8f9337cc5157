import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { testPython } from "../../../../../test/support/python.js";

const run = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../../../../", import.meta.url)));
/** Real AOTI packages compiled elsewhere, checked in (packages/native/test/fixtures/README.md). */
export const FIXTURES_DIR = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** Every `.pt2` and `.safetensors` in the checked-in fixtures, by path. */
export const PT2_FIXTURES = [
  "aoti-cpu-torch2.13/tiny_b2.pt2",
  "aoti-cpu-torch2.13/tiny_b4.pt2",
  "aoti-cuda-sm90-torch2.11/tiny_blob_2.pt2",
  "aoti-cuda-sm90-torch2.11/tiny_blob_4.pt2",
  "aoti-cuda-sm90-torch2.11/tiny_default_2.pt2",
].map((p) => join(FIXTURES_DIR, p));

export const SAFETENSORS_FIXTURES = [
  "aoti-cpu-torch2.13/tiny.safetensors",
  "aoti-cpu-torch2.13/io_b2.safetensors",
  "aoti-cpu-torch2.13/io_b4.safetensors",
  "aoti-cuda-sm90-torch2.11/tiny.safetensors",
  "aoti-cuda-sm90-torch2.11/tiny_2.io.safetensors",
  "aoti-cuda-sm90-torch2.11/tiny_4.io.safetensors",
].map((p) => join(FIXTURES_DIR, p));

/** True when the project's test Python (test/support/python.ts) is there. */
export function hasPython(): boolean {
  try {
    return existsSync(testPython());
  } catch {
    return false;
  }
}

/** Runs a Python script with the project's interpreter and returns its stdout parsed as JSON. */
export async function runPythonJson<T>(script: string, args: string[] = []): Promise<T> {
  const { stdout } = await run(testPython(), ["-c", script, ...args], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as T;
}

export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "aotihub-formats-"));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves to the error a promise rejects with, failing the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a rejection, but the call succeeded");
}
