/**
 * OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: each request a trace, its
 * turn the root span, its pipeline's stages and tasks child spans, each LLM call a span with the GenAI
 * attributes (src/llm/client.ts). Spans are batched and sent over OTLP/HTTP as JSON to
 * `{endpoint}/v1/traces`, the path every collector serves.
 *
 * The OpenTelemetry packages are imported only here, and this module only by `import()` when tracing
 * is on: a process without it neither loads them nor pays for them in memory or start time.
 *
 * The parent of a span is the span running where it is started, kept in an AsyncLocalStorage of this
 * module's own: nothing global is registered with the OpenTelemetry API, so several tracers (tests)
 * can live in one process, and nothing else in the process is traced by accident.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { errorSummary } from "../errors.js";
import type { Logger } from "../log.js";
import type { SpanOptions, Telemetry, TelemetrySpan } from "../telemetry.js";
import type { ProcessRole } from "./metrics.js";

export interface TracingOptions {
  /** The collector's base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `{endpoint}/v1/traces`. */
  endpoint: string;
  /** Headers sent with each export (OTEL_EXPORTER_OTLP_HEADERS): a collector's API key. */
  headers?: Record<string, string>;
  serviceName: string;
  role: ProcessRole;
  logger: Logger;
  /** How often batched spans are sent (default 5 s, OpenTelemetry's). */
  exportIntervalMs?: number;
}

export interface Tracing {
  span: Telemetry["span"];
  /** Sends the spans still batched, then stops. */
  close(): Promise<void>;
}

/** The tracer of this process, exporting to the collector. */
export function startTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({
    url: `${options.endpoint}/v1/traces`,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.serviceName,
      "hugginggpt.role": options.role,
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        ...(options.exportIntervalMs !== undefined ? { scheduledDelayMillis: options.exportIntervalMs } : {}),
      }),
    ],
  });
  const tracer = provider.getTracer("hugginggpt-bot");
  const current = new AsyncLocalStorage<Span>();

  const handleOf = (span: Span): TelemetrySpan => ({
    setAttributes: (attributes) => {
      span.setAttributes(attributes);
    },
    fail: (description) => span.setStatus({ code: SpanStatusCode.ERROR, message: description }),
  });

  async function span<T>(
    name: string,
    spanOptions: SpanOptions,
    work: (span: TelemetrySpan) => Promise<T>,
  ): Promise<T> {
    const parent = current.getStore();
    const started = tracer.startSpan(
      name,
      {
        kind: spanOptions.kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL,
        ...(spanOptions.attributes ? { attributes: spanOptions.attributes } : {}),
      },
      parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    try {
      return await current.run(started, () => work(handleOf(started)));
    } catch (error) {
      started.setStatus({ code: SpanStatusCode.ERROR, message: errorSummary(error) });
      started.setAttribute("error.type", error instanceof Error ? error.name : typeof error);
      throw error;
    } finally {
      started.end();
    }
  }

  options.logger.info("traces are exported", { to: `${options.endpoint}/v1/traces` });
  return {
    span,
    async close() {
      try {
        await provider.shutdown();
      } catch (error) {
        options.logger.warn("the last traces could not be sent", { error: errorSummary(error) });
      }
    },
  };
}
