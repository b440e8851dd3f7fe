/**
 * The telemetry of a `start` process (every role): the Telemetry interface the bot's parts report to
 * (src/telemetry.ts), implemented by the Prometheus metrics (when METRICS_PORT is not 0) and the
 * OpenTelemetry traces (when OTEL_EXPORTER_OTLP_ENDPOINT is set). The tracing module, and with it
 * every OpenTelemetry package, is imported only when traces are on.
 */
import type { Logger } from "../log.js";
import { NO_TELEMETRY, type Telemetry } from "../telemetry.js";
import { createMetrics, type Metrics, type ProcessRole } from "./metrics.js";
import type { TracingOptions } from "./tracing.js";

export interface OpsTelemetry extends Telemetry {
  /** The registry `/metrics` serves; undefined when metrics are off. */
  readonly metrics: Metrics | undefined;
  /** Where spans are exported (`{endpoint}/v1/traces`); undefined when traces are off. */
  readonly tracesTo: string | undefined;
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

export async function startOpsTelemetry(options: OpsTelemetryOptions): Promise<OpsTelemetry> {
  const metrics = options.metrics ? createMetrics({ role: options.role }) : undefined;
  const tracing = options.tracing
    ? (await import("./tracing.js")).startTracing({
        ...options.tracing,
        role: options.role,
        logger: options.logger,
      })
    : undefined;
  return {
    metrics,
    tracesTo: options.tracing ? `${options.tracing.endpoint}/v1/traces` : undefined,
    record: metrics ? (event) => metrics.record(event) : NO_TELEMETRY.record,
    span: tracing ? tracing.span : NO_TELEMETRY.span,
    close: async () => {
      await tracing?.close();
    },
  };
}
