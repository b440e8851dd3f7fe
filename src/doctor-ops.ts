/**
 * `doctor`'s lines for operators: the health and metrics endpoint of `start` (its port, or off) and
 * the OpenTelemetry traces (off, or where they go and whether the collector takes them). The
 * collector is sent an empty export, which it accepts and keeps nothing of; its headers
 * (OTEL_EXPORTER_OTLP_HEADERS, a secret) are sent, never shown.
 */
import type { Config } from "./config/index.js";
import type { DoctorCheck } from "./doctor-discord.js";
import { errorSummary } from "./errors.js";
import { parseOtlpHeaders } from "./ops/otlp-headers.js";

/** Whether something on this machine answers `/healthz` on the port now (a running bot). */
async function answersHealth(port: number, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    // Nothing listens there: the usual answer when no bot runs on this machine.
    return false;
  }
}

function metricsCheck(config: Config, running: boolean): DoctorCheck {
  if (config.METRICS_PORT === 0) {
    return {
      name: "Metrics",
      ok: true,
      detail: "off (METRICS_PORT=0): start serves no /healthz, /readyz or /metrics",
    };
  }
  return {
    name: "Metrics",
    ok: true,
    detail: `start (every role) serves /healthz, /readyz and /metrics (Prometheus) on port ${config.METRICS_PORT}${
      running ? "; a bot on this machine answers there now" : ""
    }`,
  };
}

async function tracesCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) {
    return {
      name: "Traces",
      ok: true,
      detail: "off (OTEL_EXPORTER_OTLP_ENDPOINT is not set): no traces, and OpenTelemetry is not loaded",
    };
  }
  const url = `${endpoint}/v1/traces`;
  const where = `OpenTelemetry traces of service ${config.OTEL_SERVICE_NAME} go to ${url} (OTLP/HTTP JSON)`;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS), "content-type": "application/json" },
      body: JSON.stringify({ resourceSpans: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (response.ok) return { name: "Traces", ok: true, detail: `${where}; the collector takes them` };
    const fix =
      response.status === 401 || response.status === 403
        ? "set the collector's credentials in OTEL_EXPORTER_OTLP_HEADERS (key=value,key2=value2)"
        : "set OTEL_EXPORTER_OTLP_ENDPOINT to the collector's base URL, without /v1/traces (an OpenTelemetry Collector: http://host:4318)";
    return { name: "Traces", ok: false, detail: `${where}, but it answers HTTP ${response.status}`, fix };
  } catch (error) {
    return {
      name: "Traces",
      ok: false,
      detail: `${where}, but it cannot be reached (${errorSummary(error)})`,
      fix: "start the collector or correct OTEL_EXPORTER_OTLP_ENDPOINT (its OTLP/HTTP port, usually 4318)",
    };
  }
}

/** The Metrics and Traces lines of the report. */
export async function opsChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const running =
    config.METRICS_PORT !== 0 && (await answersHealth(config.METRICS_PORT, Math.min(timeoutMs, 1_000)));
  return [metricsCheck(config, running), await tracesCheck(config, timeoutMs)];
}
