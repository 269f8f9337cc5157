// Runs one download in its own process so a test can kill it mid-file (SIGKILL: no cleanup runs).
import { createHubDispatcher, downloadFile, HubClient, parseRepoId } from "../../src/index.js";

const [endpoint, cacheDir, path] = process.argv.slice(2) as [string, string, string];
const config = { endpoint, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
const client = new HubClient({ config, dispatcher: createHubDispatcher() });
// the kill -9 runs time their kill from this line: imports are done, the download starts now
process.stderr.write("downloading\n");
const file = await downloadFile({
  repo: parseRepoId("acme/tiny"),
  path,
  config,
  client,
  parallelThreshold: 1 << 20,
  chunkSize: 1 << 20,
  maxConcurrency: 4,
});
process.stdout.write(`${JSON.stringify(file)}\n`);
