import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createHttpSmsProvider, fillSmsTemplate } from "./delivery.ts";

describe("generic HTTP SMS provider", () => {
  it("fills the template JSON-escaped", () => {
    expect(JSON.parse(fillSmsTemplate('{"to":"{{to}}","text":"{{text}}"}', "+995555", 'say "hi"\n'))).toEqual(
      {
        to: "+995555",
        text: 'say "hi"\n',
      },
    );
  });

  it("posts to a local receiver with the configured authorization; a non-2xx answer is a failure", async () => {
    const got: { auth: string | undefined; body: string }[] = [];
    let answer = 200;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ auth: req.headers.authorization, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const sms = createHttpSmsProvider({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
        body: '{"msisdn":"{{to}}","message":"{{text}}"}',
        authorization: "Bearer sms-key",
      });
      await sms.send("+995555123456", "Your code is 123456");
      expect(got).toEqual([
        { auth: "Bearer sms-key", body: '{"msisdn":"+995555123456","message":"Your code is 123456"}' },
      ]);
      answer = 503;
      await expect(sms.send("+995555123456", "x")).rejects.toThrow("SMS provider answered 503");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
