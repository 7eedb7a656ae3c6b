// The daemon's metrics endpoint across reloads: move() serves at the address the config (or
// --metrics) names now, stopping the old one first when it differs; undefined stops it.
import { formatHostPort, type HostPort } from '../config/host-port.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import type { VigilMetrics } from '../metrics/vigil-metrics.js';

export class MetricsEndpoint {
  readonly #metrics: VigilMetrics;
  #server: MetricsServer | undefined;
  #asked: string | undefined;

  constructor(metrics: VigilMetrics) {
    this.#metrics = metrics;
  }

  async move(listen: HostPort | undefined): Promise<void> {
    const asked = listen === undefined ? undefined : formatHostPort(listen);
    if (asked === this.#asked) return;
    await this.#server?.close();
    this.#server = undefined;
    this.#asked = undefined;
    if (listen === undefined) return;
    this.#server = await startMetricsServer(listen, this.#metrics, {
      log: (m) => {
        console.error(`vigil: ${m}`);
      },
    });
    this.#asked = asked;
    console.error(`vigil: metrics at http://${this.#server.address}/metrics`);
  }
}
