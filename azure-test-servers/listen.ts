import type { Server } from "net";

/** Starts a fake's server on a free loopback port: fakes never listen beyond this machine. */
export function listenOnLoopback(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
}
