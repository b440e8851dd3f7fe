/**
 * OTEL_EXPORTER_OTLP_HEADERS as OpenTelemetry's specification writes it. Apart from the tracing module
 * so that reading the configuration does not load OpenTelemetry.
 */

/** `key=value,key2=value2` (OTEL_EXPORTER_OTLP_HEADERS's format, values percent-encoded) as headers. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (!name) continue;
    try {
      headers[name] = decodeURIComponent(value);
    } catch {
      // A value with a stray "%" is not percent-encoded: taken as written.
      headers[name] = value;
    }
  }
  return headers;
}
