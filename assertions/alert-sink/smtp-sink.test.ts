import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { SmtpSink, type StartedSmtpSink } from "./smtp-sink.ts";

function transport(sink: StartedSmtpSink, auth?: { user: string; pass: string }) {
  const [host, port] = sink.hostPort.split(":");
  return nodemailer.createTransport({ host: host!, port: Number(port), secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });
}

const alertHtml = "<html><body>Labels<br />alertname = HighErrorRate<br />severity = critical<br /></body></html>";

describe("SmtpSink", () => {
  it("should record an Alertmanager-style email as a firing notification with its receiver", async () => {
    await using sink = await SmtpSink.start();
    await transport(sink).sendMail({
      from: "alertmanager@example.org",
      to: "oncall@example.org",
      subject: "[FIRING:1] HighErrorRate (critical api)",
      html: alertHtml,
      headers: { "X-Obsconf-Receiver": "email-summary" },
    });
    expect(sink.messages()).toMatchObject([
      { from: "alertmanager@example.org", to: ["oncall@example.org"], subject: "[FIRING:1] HighErrorRate (critical api)" },
    ]);
    expect(sink.notifications()).toMatchObject([{ channel: "email", status: "firing", alertNames: ["HighErrorRate"], receiver: "email-summary" }]);
  });

  it("should accept any credentials over AUTH PLAIN and LOGIN without TLS", async () => {
    await using sink = await SmtpSink.start();
    await transport(sink, { user: "anyone", pass: "anything" }).sendMail({
      from: "a@example.org",
      to: ["b@example.org", "c@example.org"],
      subject: "[RESOLVED] DiskFull",
      text: "resolved",
    });
    const login = nodemailer.createTransport({
      host: "127.0.0.1",
      port: Number(sink.hostPort.split(":")[1]),
      secure: false,
      ignoreTLS: true,
      auth: { user: "u", pass: "p" },
      authMethod: "LOGIN",
    });
    await login.sendMail({ from: "a@example.org", to: "b@example.org", subject: "[FIRING:2] DiskFull node", text: "x" });
    expect(sink.notifications().map((n) => `${n.status} ${n.alertNames.join(",")}`)).toEqual(["resolved DiskFull", "firing DiskFull"]);
    expect(sink.messages()[0]!.to).toEqual(["b@example.org", "c@example.org"]);
  });

  it("should decode an encoded subject and a base64 body", async () => {
    await using sink = await SmtpSink.start();
    await transport(sink).sendMail({
      from: "a@example.org",
      to: "b@example.org",
      subject: "[FIRING:1] HighLatency (warning – api)",
      text: "alertname = HighLatency",
      textEncoding: "base64",
    });
    expect(sink.messages()[0]!.subject).toBe("[FIRING:1] HighLatency (warning – api)");
    expect(sink.notifications()[0]!.alertNames).toEqual(["HighLatency"]);
  });

  it("should keep a non-alert email as a message but not as a notification", async () => {
    await using sink = await SmtpSink.start();
    await transport(sink).sendMail({ from: "a@example.org", to: "b@example.org", subject: "weekly digest", text: "hello" });
    expect(sink.messages()).toHaveLength(1);
    expect(sink.notifications()).toEqual([]);
  });

  it("should time out waitFor naming the match and what arrived", async () => {
    await using sink = await SmtpSink.start();
    await expect(sink.waitFor({ channel: "email", alertName: "Watchdog" }, { timeoutMs: 100 })).rejects.toThrow(
      "alert notification matching channel=email alertName=Watchdog not received after 100ms (last: 0 notifications)",
    );
  });

  it("should refuse connections after stop", async () => {
    const sink = await SmtpSink.start();
    await sink.stop();
    await expect(transport(sink).sendMail({ from: "a@example.org", to: "b@example.org", subject: "x", text: "x" })).rejects.toThrow("ECONNREFUSED");
  });
});
