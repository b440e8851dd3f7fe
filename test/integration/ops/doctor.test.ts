/**
 * `doctor` on the operator's endpoint: the metrics port (or off, and whether a bot answers there now)
 * and the traces (off, or where they go and whether the collector takes them, against the tiny OTLP
 * collector of the tests). The collector's headers are a secret: sent, never shown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { runDoctor } from "../../../src/doctor.js";
import { silentLogger } from "../../../src/log.js";
import { startOpsServer } from "../../../src/ops/server.js";
import { type OtlpReceiver, startOtlpReceiver } from "../../fakes/otlp-receiver.js";
import { reportLine } from "../../support/doctor.js";
import { freePort } from "../../support/net.js";

let collector: OtlpReceiver;

beforeAll(async () => {
  collector = await startOtlpReceiver();
});

afterAll(async () => {
  await collector?.close();
});

function doctor(env: Record<string, string>) {
  return runDoctor(
    loadConfig({ HUB_CATALOG: "false", INFERENCE_MODE: "hosted", LOG_LEVEL: "silent", ...env }),
    { timeoutMs: 3_000 },
  );
}

describe("doctor on metrics and traces", () => {
  it("reports the metrics port, and a bot answering on it", async () => {
    const port = await freePort();
    const idle = await doctor({ METRICS_PORT: String(port) });
    expect(reportLine(idle.text, "Metrics")).toBe(
      `ok       Metrics: start (every role) serves /healthz, /readyz and /metrics (Prometheus) on port ${port}`,
    );

    const running = await startOpsServer({ port, host: "127.0.0.1", checks: {}, logger: silentLogger });
    try {
      const busy = await doctor({ METRICS_PORT: String(port) });
      expect(reportLine(busy.text, "Metrics")).toMatch(/; a bot on this machine answers there now$/);
    } finally {
      await running.close();
    }

    const off = await doctor({ METRICS_PORT: "0" });
    expect(reportLine(off.text, "Metrics")).toMatch(/^ok\s+Metrics: off \(METRICS_PORT=0\)/);
  });

  it("reports traces off, or where they go and that the collector takes them", async () => {
    const off = await doctor({});
    expect(reportLine(off.text, "Traces")).toMatch(
      /^ok\s+Traces: off \(OTEL_EXPORTER_OTLP_ENDPOINT is not set\)/,
    );

    const before = collector.exports;
    const on = await doctor({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=collector-secret-42",
    });
    expect(reportLine(on.text, "Traces")).toBe(
      `ok       Traces: OpenTelemetry traces of service hugginggpt-bot go to ${collector.url}/v1/traces (OTLP/HTTP JSON); the collector takes them`,
    );
    expect(collector.exports).toBe(before + 1);
    expect(collector.spans).toEqual([]);
    expect(on.text).not.toContain("collector-secret-42");
    expect(on.text).toContain("OTEL_EXPORTER_OTLP_HEADERS = set");
  });

  it("says what to fix when the collector is not there or not at that path", async () => {
    const wrongPath = await doctor({ OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/v1/traces` });
    const line = reportLine(wrongPath.text, "Traces");
    expect(line).toMatch(/^missing\s+Traces: .* but it answers HTTP 404/);
    expect(line).toContain(
      "fix: set OTEL_EXPORTER_OTLP_ENDPOINT to the collector's base URL, without /v1/traces",
    );
    expect(wrongPath.ok).toBe(false);

    const nobody = await doctor({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(reportLine(nobody.text, "Traces")).toMatch(/^missing\s+Traces: .* but it cannot be reached/);
  });
});
