// Drive one AWS Signer operation with @aws-sdk/client-signer against an endpoint, for tests/service.
// Input (stdin, JSON): {"operation": "PutSigningProfile", "input": {...}, "endpoint": "http://...",
//   "region": "us-west-2", "accessKeyId": "...", "secretAccessKey": "...", "sessionToken"?: "...",
//   "disableHostPrefix"?: true, "maxAttempts"?: 3, "caFile"?: "/path/ca.pem"}
// Output (stdout, JSON): {"output": {...}} or {"error": {"name", "message", "httpStatusCode",
//   "requestId", "attempts"}}. Blobs (Uint8Array) are printed as base64, Dates as epoch seconds.
// GetRevocationStatus carries the endpoint host prefix "data-" in the SDK's model: against a custom
// endpoint such as http://127.0.0.1:PORT that host does not resolve, so tests pass
// disableHostPrefix (the client option of the same name).
import * as signer from "@aws-sdk/client-signer";
import { readFileSync } from "node:fs";
import https from "node:https";

const req = JSON.parse(readFileSync(0, "utf8"));
const config = {
  endpoint: req.endpoint,
  region: req.region,
  credentials: {
    accessKeyId: req.accessKeyId,
    secretAccessKey: req.secretAccessKey,
    ...(req.sessionToken ? { sessionToken: req.sessionToken } : {}),
  },
  disableHostPrefix: req.disableHostPrefix ?? true,
  maxAttempts: req.maxAttempts ?? 3,
};
if (req.caFile) {
  const { NodeHttpHandler } = await import("@smithy/node-http-handler");
  config.requestHandler = new NodeHttpHandler({
    httpsAgent: new https.Agent({ ca: readFileSync(req.caFile) }),
  });
}
const client = new signer.SignerClient(config);

// Inputs: blobs arrive as {"$base64": "..."}, timestamps as {"$epoch": N}.
function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if ("$base64" in v) return Buffer.from(v.$base64, "base64");
    if ("$epoch" in v) return new Date(v.$epoch * 1000);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}
function plain(v) {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (v instanceof Date) return v.getTime() / 1000;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "$metadata").map(([k, x]) => [k, plain(x)]));
  return v;
}

const Command = signer[`${req.operation}Command`];
if (!Command) {
  process.stdout.write(JSON.stringify({ error: { name: "NoSuchCommand", message: req.operation } }) + "\n");
  process.exit(2);
}
try {
  const out = await client.send(new Command(revive(req.input ?? {})));
  process.stdout.write(JSON.stringify({ output: plain(out), requestId: out.$metadata?.requestId }) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({
    error: {
      name: e.name,
      message: e.message,
      httpStatusCode: e.$metadata?.httpStatusCode,
      requestId: e.$metadata?.requestId,
      attempts: e.$metadata?.attempts,
    },
  }) + "\n");
}
