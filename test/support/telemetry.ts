/**
 * A Telemetry (our own interface, src/telemetry.ts) that keeps what it is told: every event in order
 * and every span with its parent, its attributes and whether it failed. For the tests of the parts
 * that report (core, pipeline, LLM client), without prom-client or OpenTelemetry.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { SpanAttributes, Telemetry, TelemetryEvent } from "../../src/telemetry.js";

export interface RecordedSpan {
  name: string;
  /** The span it ran in, if any. */
  parent: RecordedSpan | undefined;
  kind: "internal" | "client";
  attributes: SpanAttributes;
  /** Set when the work threw or the span was marked failed. */
  failed: string | undefined;
  ended: boolean;
}

export interface RecordingTelemetry extends Telemetry {
  events: TelemetryEvent[];
  spans: RecordedSpan[];
  /** The events of one type, typed. */
  eventsOf<K extends TelemetryEvent["type"]>(type: K): Array<Extract<TelemetryEvent, { type: K }>>;
  /** The names of a span's ancestors and its own, root first: "request > execute > task object-detection". */
  pathOf(span: RecordedSpan): string;
}

export function recordingTelemetry(): RecordingTelemetry {
  const events: TelemetryEvent[] = [];
  const spans: RecordedSpan[] = [];
  const current = new AsyncLocalStorage<RecordedSpan>();
  return {
    events,
    spans,
    record(event) {
      events.push(event);
    },
    async span(name, options, work) {
      const span: RecordedSpan = {
        name,
        parent: current.getStore(),
        kind: options.kind ?? "internal",
        attributes: { ...options.attributes },
        failed: undefined,
        ended: false,
      };
      spans.push(span);
      const handle = {
        setAttributes(attributes: SpanAttributes) {
          Object.assign(span.attributes, attributes);
        },
        fail(description: string) {
          span.failed = description;
        },
      };
      try {
        return await current.run(span, () => work(handle));
      } catch (error) {
        span.failed = error instanceof Error ? error.message : String(error);
        throw error;
      } finally {
        span.ended = true;
      }
    },
    eventsOf<K extends TelemetryEvent["type"]>(type: K) {
      return events.filter((event): event is Extract<TelemetryEvent, { type: K }> => event.type === type);
    },
    pathOf(span) {
      const names: string[] = [];
      for (let at: RecordedSpan | undefined = span; at; at = at.parent) names.unshift(at.name);
      return names.join(" > ");
    },
  };
}
