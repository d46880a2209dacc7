// The AWS SDK for JavaScript v3 against `voice-constructs emulate`.
//
// Usage: VOICE_ENDPOINT=http://127.0.0.1:PORT VOICE_TOKEN=... node conformance.mjs
// Sends valid and invalid requests for every voice operation the emulator serves, and injected
// faults through its control path (with the run's token, which `emulate` prints); prints one
// JSON line per check ({"name", "kind", "ok", "detail"}) and exits 1 when any check failed.
// The checks and the clients are in harness.mjs; v2's resources beyond its send in v2.mjs.
// tests/conformance/test_javascript_sdk.py runs it.

import {
  CreateAppCommand,
  DeleteVoiceChannelCommand,
  GetVoiceChannelCommand,
  BadRequestException as PinpointBadRequest,
  InternalServerErrorException as PinpointInternalError,
  NotFoundException as PinpointNotFound,
  TooManyRequestsException as PinpointTooManyRequests,
  UpdateVoiceChannelCommand,
} from "@aws-sdk/client-pinpoint";
import {
  AlreadyExistsException,
  BadRequestException,
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
  InternalServiceErrorException,
  ListConfigurationSetsCommand,
  NotFoundException,
  SendVoiceMessageCommand,
  TooManyRequestsException,
  UpdateConfigurationSetEventDestinationCommand,
} from "@aws-sdk/client-pinpoint-sms-voice";
import {
  InternalServerException,
  SendVoiceMessageCommand as SendVoiceMessageV2Command,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import {
  FROM, TO, TOPIC, clients, fault, get, invalid, once, post, record, results, timeout, valid,
} from "./harness.mjs";
import { v2Resources } from "./v2.mjs";

const plain = (text) => ({ PlainTextMessage: { Text: text, LanguageCode: "en-US", VoiceId: "Joanna" } });
const destination = (enabled) => ({
  Enabled: enabled,
  MatchingEventTypes: ["INITIATED_CALL", "COMPLETED_CALL"],
  SnsDestination: { TopicArn: TOPIC },
});

async function voiceChannel() {
  const app = await once.pinpoint.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "js" } }));
  const ApplicationId = app.ApplicationResponse.Id;
  const channel = (output) =>
    output.VoiceChannelResponse?.ApplicationId === ApplicationId &&
    output.VoiceChannelResponse.Platform === "VOICE"
      ? null
      : `unexpected ${JSON.stringify(output.VoiceChannelResponse)}`;
  await invalid("pinpoint GetVoiceChannel (no channel yet)", once.pinpoint,
    new GetVoiceChannelCommand({ ApplicationId }), PinpointNotFound, 404);
  await valid("pinpoint UpdateVoiceChannel", once.pinpoint,
    new UpdateVoiceChannelCommand({ ApplicationId, VoiceChannelRequest: { Enabled: true } }),
    (o) => channel(o) || (o.VoiceChannelResponse.Enabled === true ? null : "not enabled"));
  await valid("pinpoint GetVoiceChannel", once.pinpoint,
    new GetVoiceChannelCommand({ ApplicationId }),
    (o) => channel(o) || (o.VoiceChannelResponse.Version === 1 ? null : "version is not 1"));
  await invalid("pinpoint UpdateVoiceChannel (unknown application)", once.pinpoint,
    new UpdateVoiceChannelCommand({ ApplicationId: "0".repeat(32), VoiceChannelRequest: { Enabled: true } }),
    PinpointNotFound, 404);
  await invalid("pinpoint UpdateVoiceChannel (Enabled not a boolean)", once.pinpoint,
    new UpdateVoiceChannelCommand({ ApplicationId, VoiceChannelRequest: { Enabled: "yes" } }),
    PinpointBadRequest, 400);
  await fault("pinpoint GetVoiceChannel 429", "v1", "GetVoiceChannel", 429,
    (c) => c.pinpoint.send(new GetVoiceChannelCommand({ ApplicationId })), PinpointTooManyRequests);
  await fault("pinpoint GetVoiceChannel 500", "v1", "GetVoiceChannel", 500,
    (c) => c.pinpoint.send(new GetVoiceChannelCommand({ ApplicationId })), PinpointInternalError);
  await valid("pinpoint DeleteVoiceChannel", once.pinpoint,
    new DeleteVoiceChannelCommand({ ApplicationId }), channel);
  await invalid("pinpoint DeleteVoiceChannel (already deleted)", once.pinpoint,
    new DeleteVoiceChannelCommand({ ApplicationId }), PinpointNotFound, 404);
}

async function configurationSets() {
  const v1 = once.v1;
  const ConfigurationSetName = "js-set";
  const EventDestinationName = "js-destination";
  await valid("v1 CreateConfigurationSet", v1,
    new CreateConfigurationSetCommand({ ConfigurationSetName }), () => null);
  await invalid("v1 CreateConfigurationSet (exists)", v1,
    new CreateConfigurationSetCommand({ ConfigurationSetName }), AlreadyExistsException, 409);
  await invalid("v1 CreateConfigurationSet (bad name)", v1,
    new CreateConfigurationSetCommand({ ConfigurationSetName: "not a name!" }), BadRequestException, 400);
  await valid("v1 ListConfigurationSets", v1, new ListConfigurationSetsCommand({}),
    (o) => (o.ConfigurationSets?.includes(ConfigurationSetName) ? null : JSON.stringify(o.ConfigurationSets)));
  await invalid("v1 ListConfigurationSets (a token it never issued)", v1,
    new ListConfigurationSetsCommand({ NextToken: "not-issued" }), BadRequestException, 400);
  await valid("v1 CreateConfigurationSetEventDestination", v1,
    new CreateConfigurationSetEventDestinationCommand({
      ConfigurationSetName, EventDestinationName, EventDestination: destination(true),
    }), () => null);
  await invalid("v1 CreateConfigurationSetEventDestination (no destination)", v1,
    new CreateConfigurationSetEventDestinationCommand({
      ConfigurationSetName, EventDestinationName: "other", EventDestination: { Enabled: true, MatchingEventTypes: ["RINGING"] },
    }), BadRequestException, 400);
  await invalid("v1 CreateConfigurationSetEventDestination (unknown set)", v1,
    new CreateConfigurationSetEventDestinationCommand({
      ConfigurationSetName: "missing", EventDestinationName, EventDestination: destination(true),
    }), NotFoundException, 404);
  await valid("v1 UpdateConfigurationSetEventDestination", v1,
    new UpdateConfigurationSetEventDestinationCommand({
      ConfigurationSetName, EventDestinationName, EventDestination: destination(false),
    }), () => null);
  await invalid("v1 UpdateConfigurationSetEventDestination (unknown destination)", v1,
    new UpdateConfigurationSetEventDestinationCommand({
      ConfigurationSetName, EventDestinationName: "missing", EventDestination: destination(true),
    }), NotFoundException, 404);
  await valid("v1 GetConfigurationSetEventDestinations", v1,
    new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName }), (o) => {
      const [first] = o.EventDestinations ?? [];
      return first?.Name === EventDestinationName && first.Enabled === false &&
        first.SnsDestination?.TopicArn === TOPIC ? null : JSON.stringify(o.EventDestinations);
    });
  await invalid("v1 GetConfigurationSetEventDestinations (unknown set)", v1,
    new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: "missing" }), NotFoundException, 404);
  await valid("v1 DeleteConfigurationSetEventDestination", v1,
    new DeleteConfigurationSetEventDestinationCommand({ ConfigurationSetName, EventDestinationName }), () => null);
  await invalid("v1 DeleteConfigurationSetEventDestination (unknown destination)", v1,
    new DeleteConfigurationSetEventDestinationCommand({ ConfigurationSetName, EventDestinationName }),
    NotFoundException, 404);
  await fault("v1 ListConfigurationSets 429", "v1", "ListConfigurationSets", 429,
    (c) => c.v1.send(new ListConfigurationSetsCommand({})), TooManyRequestsException);
  await fault("v1 ListConfigurationSets 500", "v1", "ListConfigurationSets", 500,
    (c) => c.v1.send(new ListConfigurationSetsCommand({})), InternalServiceErrorException);
  return ConfigurationSetName;
}

async function sendV1(ConfigurationSetName) {
  const v1 = once.v1;
  const sent = await valid("v1 SendVoiceMessage", v1,
    new SendVoiceMessageCommand({
      DestinationPhoneNumber: TO, OriginationPhoneNumber: FROM, ConfigurationSetName, Content: plain("Hello from JS"),
    }), (o) => (typeof o.MessageId === "string" && o.MessageId ? null : "no MessageId"));
  if (sent) {
    const { messages } = await get("sent?api=v1");
    const seen = messages.some((m) => m.message_id === sent.MessageId && m.request.Content.PlainTextMessage.Text === "Hello from JS");
    record("v1 SendVoiceMessage recorded", "valid", seen, `${messages.length} sent`);
  }
  await invalid("v1 SendVoiceMessage (not E.164)", v1,
    new SendVoiceMessageCommand({ DestinationPhoneNumber: "12345", OriginationPhoneNumber: FROM, Content: plain("x") }),
    BadRequestException, 400);
  await invalid("v1 SendVoiceMessage (two content kinds)", v1,
    new SendVoiceMessageCommand({
      DestinationPhoneNumber: TO, OriginationPhoneNumber: FROM,
      Content: { ...plain("x"), SSMLMessage: { Text: "<speak>x</speak>" } },
    }), BadRequestException, 400);
  await invalid("v1 SendVoiceMessage (unknown configuration set)", v1,
    new SendVoiceMessageCommand({
      DestinationPhoneNumber: TO, OriginationPhoneNumber: FROM, ConfigurationSetName: "missing", Content: plain("x"),
    }), BadRequestException, 400);
  const message = () => new SendVoiceMessageCommand({ DestinationPhoneNumber: "+12065550111", OriginationPhoneNumber: FROM, Content: plain("retry") });
  await fault("v1 SendVoiceMessage 429", "v1", "SendVoiceMessage", 429, (c) => c.v1.send(message()), TooManyRequestsException);
  await fault("v1 SendVoiceMessage 500", "v1", "SendVoiceMessage", 500, (c) => c.v1.send(message()), InternalServiceErrorException);
  await timeout("v1 SendVoiceMessage", "v1", (c) => c.v1.send(message()));
  await valid("v1 DeleteConfigurationSet", v1,
    new DeleteConfigurationSetCommand({ ConfigurationSetName }), () => null);
  await invalid("v1 DeleteConfigurationSet (unknown)", v1,
    new DeleteConfigurationSetCommand({ ConfigurationSetName }), NotFoundException, 404);
}

async function sendV2() {
  const v2 = once.v2;
  // The v2 fake refuses a number the account does not hold: FROM is declared first.
  await post("adopt-phone-number", { identity: FROM });
  const sent = await valid("v2 SendVoiceMessage", v2,
    new SendVoiceMessageV2Command({
      DestinationPhoneNumber: TO, OriginationIdentity: FROM, MessageBody: "Hello from JS", VoiceId: "JOANNA",
      MessageBodyTextType: "TEXT", Context: { ticket: "42" },
    }), (o) => (typeof o.MessageId === "string" && o.MessageId ? null : "no MessageId"));
  if (sent) {
    const { messages } = await get("sent?api=v2");
    record("v2 SendVoiceMessage recorded", "valid", messages.some((m) => m.message_id === sent.MessageId), `${messages.length} sent`);
  }
  await invalid("v2 SendVoiceMessage (not E.164)", v2,
    new SendVoiceMessageV2Command({ DestinationPhoneNumber: "12345", OriginationIdentity: FROM, MessageBody: "x" }),
    ValidationException, 400);
  await invalid("v2 SendVoiceMessage (unknown voice)", v2,
    new SendVoiceMessageV2Command({ DestinationPhoneNumber: TO, OriginationIdentity: FROM, MessageBody: "x", VoiceId: "HAL" }),
    ValidationException, 400);
  const message = () => new SendVoiceMessageV2Command({ DestinationPhoneNumber: TO, OriginationIdentity: FROM, MessageBody: "retry" });
  await fault("v2 SendVoiceMessage 429", "v2", "SendVoiceMessage", 429, (c) => c.v2.send(message()), ThrottlingException);
  await fault("v2 SendVoiceMessage 500", "v2", "SendVoiceMessage", 500, (c) => c.v2.send(message()), InternalServerException);
  await timeout("v2 SendVoiceMessage", "v2", (c) => c.v2.send(message()));
}

await voiceChannel();
await sendV1(await configurationSets());
await sendV2();
await v2Resources();
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
