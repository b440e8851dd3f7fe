/**
 * A tiny OpenTelemetry collector: `POST /v1/traces` with an OTLP/HTTP JSON body
 * (ExportTraceServiceRequest, as @opentelemetry/exporter-trace-otlp-http sends it), answered with
 * the empty ExportTraceServiceResponse. It keeps each span flat, with its resource's attributes, for
 * tests to rebuild the trees from `parentSpanId`.
 *
 * ```ts
 * const collector = await startOtlpReceiver();
 * // OTEL_EXPORTER_OTLP_ENDPOINT = collector.url
 * await collector.waitForSpans((spans) => spans.some((span) => span.name === "request"));
 * ```
 */
import { z } from "zod";
import { readBody, sendJson, startHttpServer } from "./http-server.js";

const anyValueSchema = z.looseObject({
  stringValue: z.string().optional(),
  intValue: z.union([z.string(), z.number()]).optional(),
  doubleValue: z.number().optional(),
  boolValue: z.boolean().optional(),
});
const attributesSchema = z.array(z.object({ key: z.string(), value: anyValueSchema })).default([]);

const spanSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number().int(),
  startTimeUnixNano: z.union([z.string(), z.number()]),
  endTimeUnixNano: z.union([z.string(), z.number()]),
  attributes: attributesSchema,
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});

const exportSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: attributesSchema }).optional(),
      scopeSpans: z.array(z.object({ spans: z.array(spanSchema).default([]) })),
    }),
  ),
});

export type Attributes = Record<string, string | number | boolean>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 3 client. */
  kind: number;
  attributes: Attributes;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Attributes;
}

export interface OtlpReceiver {
  /** The endpoint's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  spans: ReceivedSpan[];
  /** Export requests received (each a batch). */
  exports: number;
  waitForSpans(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

function attributesOf(list: z.infer<typeof attributesSchema>): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of list) {
    if (value.stringValue !== undefined) attributes[key] = value.stringValue;
    else if (value.intValue !== undefined) attributes[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) attributes[key] = value.doubleValue;
    else if (value.boolValue !== undefined) attributes[key] = value.boolValue;
  }
  return attributes;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const receiver = { exports: 0 };
  const server = await startHttpServer(async (request, response) => {
    if (request.method !== "POST" || request.url !== "/v1/traces") {
      return sendJson(response, 404, { code: 5, message: `no route ${request.method} ${request.url}` });
    }
    if (!request.headers["content-type"]?.startsWith("application/json")) {
      return sendJson(response, 415, { code: 3, message: "this collector reads OTLP/JSON only" });
    }
    const parsed = exportSchema.safeParse(JSON.parse((await readBody(request)).toString("utf8")));
    if (!parsed.success) return sendJson(response, 400, { code: 3, message: parsed.error.message });
    receiver.exports += 1;
    for (const resourceSpans of parsed.data.resourceSpans) {
      const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
      for (const scope of resourceSpans.scopeSpans) {
        for (const span of scope.spans) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? "",
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
            resource,
          });
        }
      }
    }
    sendJson(response, 200, {});
  });
  return {
    url: server.url,
    spans,
    get exports() {
      return receiver.exports;
    },
    async waitForSpans(done, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!done(spans)) {
        if (Date.now() > until) {
          throw new Error(
            `the collector did not receive the spans: ${spans.map((span) => span.name).join(", ")}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return spans;
    },
    close: () => server.close(),
  };
}
