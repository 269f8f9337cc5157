import { createServer } from "node:net";

/**
 * An http URL on loopback where nothing listens: a port the kernel just gave us, closed again.
 * (No fixed port such as 9 is assumed closed: on some machines something listens there.)
 */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port from listen(0)");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}`;
}
