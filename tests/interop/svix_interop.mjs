// Test helper for tests/webhook.rs: signs and verifies webhooks with the npm
// `svix` package, so the Rust implementation is checked against code that
// was not written here.
//
// Input (stdin): a JSON array of commands.
//   {"op": "sign",   "secret": "whsec_...", "id": "msg_...", "timestamp": 1700000000, "payload": "..."}
//   {"op": "verify", "secret": "whsec_...", "payload": "...", "headers": {"svix-id": "...", ...}}
// Output (stdout): a JSON array with one result per command, in order.
//   sign   -> {"signature": "v1,..."}
//   verify -> {"ok": true, "parsed": <JSON>} or {"ok": false, "error": "..."}

import { Webhook } from "svix";

function run(cmd) {
  const wh = new Webhook(cmd.secret);
  switch (cmd.op) {
    case "sign":
      return { signature: wh.sign(cmd.id, new Date(cmd.timestamp * 1000), cmd.payload) };
    case "verify":
      try {
        return { ok: true, parsed: wh.verify(cmd.payload, cmd.headers) };
      } catch (e) {
        return { ok: false, error: String(e && e.message ? e.message : e) };
      }
    default:
      throw new Error(`unknown op: ${cmd.op}`);
  }
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const commands = JSON.parse(input);
process.stdout.write(JSON.stringify(commands.map(run)));
