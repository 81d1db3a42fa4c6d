import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConveyorMetrics } from './prometheus';

/**
 * `conveyor worker --metrics-port N`: a plain HTTP server answering GET
 * /metrics and nothing else. No auth, so it binds to loopback unless told
 * otherwise (`--metrics-host 0.0.0.0` for a Prometheus elsewhere).
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(metrics: ConveyorMetrics, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
        return;
      }
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (err: unknown) =>
          res
            .writeHead(503, { 'content-type': 'text/plain' })
            .end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return new MetricsServer(server, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
