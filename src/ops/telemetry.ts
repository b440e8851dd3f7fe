/**
 * The telemetry of a `start` process (every role): the Telemetry interface the bot's parts report to
 * (src/telemetry.ts), implemented by the Prometheus metrics (when METRICS_PORT is not 0) and the
 * OpenTelemetry traces (when OTEL_EXPORTER_OTLP_ENDPOINT is set). Each is imported when it is on
 * (prom-client takes about 40 ms to load, OpenTelemetry about 80): `ask`, `chat` and `web`, which
 * import this module through the composition root, load neither.
 */
import type { Logger } from "../log.js";
import { NO_TELEMETRY, type Telemetry } from "../telemetry.js";
import type { Metrics, ProcessRole } from "./metrics.js";
import type { TracingOptions } from "./tracing.js";

export interface OpsTelemetry extends Telemetry {
  /** The registry `/metrics` serves; undefined when metrics are off. */
  readonly metrics: Metrics | undefined;
  /** Sends the traces still batched. */
  close(): Promise<void>;
}

export interface OpsTelemetryOptions {
  role: ProcessRole;
  /** Count in a Prometheus registry. */
  metrics: boolean;
  /** Export traces; undefined: none. */
  tracing?: Omit<TracingOptions, "role" | "logger">;
  logger: Logger;
}

/**
 * The telemetry of one process: counts in a fresh registry when `metrics`, spans exported when
 * `tracing`; without either, it records nothing (and has loaded nothing). `close` sends the last spans.
 *
 * @example
 * const telemetry = await startOpsTelemetry({ role: "worker", metrics: true, logger });
 * const app = createApp(config, { telemetry });
 */
export async function startOpsTelemetry(options: OpsTelemetryOptions): Promise<OpsTelemetry> {
  const metrics = options.metrics
    ? (await import("./metrics.js")).createMetrics({ role: options.role })
    : undefined;
  const tracing = options.tracing
    ? (await import("./tracing.js")).startTracing({
        ...options.tracing,
        role: options.role,
        logger: options.logger,
      })
    : undefined;
  return {
    metrics,
    record: metrics ? (event) => metrics.record(event) : NO_TELEMETRY.record,
    span: tracing ? tracing.span : NO_TELEMETRY.span,
    close: async () => {
      await tracing?.close();
    },
  };
}
