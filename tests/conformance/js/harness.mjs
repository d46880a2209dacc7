// What the conformance scripts share: the emulator's endpoint and control path, the SDK clients'
// configuration, and the checks, each recorded as one JSON line ({"name", "kind", "ok", "detail"}).

import { PinpointClient } from "@aws-sdk/client-pinpoint";
import { PinpointSMSVoiceClient } from "@aws-sdk/client-pinpoint-sms-voice";
import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";

const endpoint = process.env.VOICE_ENDPOINT;
const token = process.env.VOICE_TOKEN;
if (!endpoint || !token) {
  console.error("VOICE_ENDPOINT and VOICE_TOKEN must be set");
  process.exit(2);
}
export const control = `${endpoint}/_voice_constructs`;
export const controlHeaders = { "x-voice-constructs-token": token };
export const TO = "+12065550100";
export const FROM = "+12065550199";
export const TOPIC = "arn:aws:sns:us-east-1:123456789012:voice-events";

// Few retries, short timeouts: a fault is over in well under a second.
export const config = (maxAttempts) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  maxAttempts,
  // Newer SDKs only warn on a request timeout unless told to throw.
  requestHandler: { requestTimeout: 1500, connectionTimeout: 1500, throwOnRequestTimeout: true },
});
export const clients = (maxAttempts) => ({
  v1: new PinpointSMSVoiceClient(config(maxAttempts)),
  v2: new PinpointSMSVoiceV2Client(config(maxAttempts)),
  pinpoint: new PinpointClient(config(maxAttempts)),
});
export const once = clients(1);

export const results = [];
export function record(name, kind, ok, detail) {
  results.push({ name, kind, ok, detail });
  console.log(JSON.stringify({ name, kind, ok, detail }));
}

export async function post(path, body) {
  const response = await fetch(`${control}/${path}`, {
    method: "POST",
    headers: { ...controlHeaders, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function get(path) {
  const response = await fetch(`${control}/${path}`, { headers: controlHeaders });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// A valid request: the SDK parses the answer, and `check` holds its fields.
export async function valid(name, client, command, check) {
  try {
    const output = await client.send(command);
    const problem = check(output);
    record(name, "valid", !problem, problem || "parsed");
    return output;
  } catch (error) {
    record(name, "valid", false, `${error.name}: ${error.message}`);
    return undefined;
  }
}

// An invalid request: the SDK maps the error to its own class, with the HTTP status, and the
// error's modeled members (v2's Reason, ResourceType, ...) are those given.
export async function invalid(name, client, command, errorClass, status, members = {}) {
  try {
    await client.send(command);
    record(name, "invalid", false, "succeeded");
  } catch (error) {
    const wrong = Object.entries(members).filter(([key, value]) => error[key] !== value);
    const ok = error instanceof errorClass && error.$metadata?.httpStatusCode === status && !wrong.length;
    const got = `${error.constructor?.name} (${error.name}, ${error.$metadata?.httpStatusCode})`;
    const seen = wrong.map(([key]) => `${key}=${error[key]}`).join(", ");
    record(name, "invalid", ok, `${errorClass.name} expected, got ${got}: ${error.message} ${seen}`);
  }
}

// An injected fault: retried by the SDK (it succeeds on the second attempt once the fault is
// spent) and, when it outlasts the attempts, thrown as the SDK's own error class.
export async function fault(name, api, operation, status, send, errorClass) {
  try {
    await post("fail-next", { operation, api, status, count: 1 });
    const output = await send(clients(3));
    const attempts = output.$metadata.attempts;
    record(`${name} retried`, "fault", attempts === 2, `succeeded after ${attempts} attempts`);
  } catch (error) {
    record(`${name} retried`, "fault", false, `${error.name}: ${error.message}`);
  }
  try {
    await post("fail-next", { operation, api, status, count: 2 });
    await send(clients(2));
    record(`${name} surfaces`, "fault", false, "succeeded");
  } catch (error) {
    const ok =
      error instanceof errorClass &&
      error.$metadata?.httpStatusCode === status &&
      error.$metadata?.attempts === 2;
    const got = `${error.constructor?.name} ${error.$metadata?.httpStatusCode}, attempts ${error.$metadata?.attempts}`;
    record(`${name} surfaces`, "fault", ok, `${errorClass.name} after 2 attempts expected, got ${got}`);
  }
}

// An injected timeout after the service accepted: the SDK meets its own request timeout, and the
// message was sent all the same.
export async function timeout(name, api, send) {
  const before = (await get(`sent?api=${api}`)).messages.length;
  await post("time-out-next", { operation: "SendVoiceMessage", api, after_accept: true });
  try {
    await send(clients(1));
    record(`${name} timeout`, "fault", false, "succeeded");
  } catch (error) {
    const after = (await get(`sent?api=${api}`)).messages.length;
    const ok = error.name === "TimeoutError" && after === before + 1;
    record(`${name} timeout`, "fault", ok, `TimeoutError and one more sent expected, got ${error.name}, ${after - before} more`);
  }
}

