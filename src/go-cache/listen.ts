import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A loopback-or-bridge HTTP server of the Go cache's helpers. */
export interface Listening {
  /** `http://host:port` */
  base: string;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

/** Listens on `host` at a free port; undefined when it cannot. */
export async function listenOn(host: string, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening | undefined> {
  const server = createServer(handle);
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  const address = server.address();
  if (!listening || !address || typeof address === 'string') return undefined;
  return {
    base: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
