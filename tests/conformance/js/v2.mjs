// The v2 fake's resources through the AWS SDK for JavaScript v3: phone numbers, pools,
// configuration sets and event destinations, protect configurations and spend limits, each
// operation with valid input (the SDK parses the answer) and refused input (the SDK's own error
// class, HTTP 400); and SendVoiceMessage refused for what the account does not hold.

import {
  AssociateOriginationIdentityCommand,
  ConflictException,
  CreateConfigurationSetCommand,
  CreateEventDestinationCommand,
  CreatePoolCommand,
  CreateProtectConfigurationCommand,
  DeleteConfigurationSetCommand,
  DeleteEventDestinationCommand,
  DeletePoolCommand,
  DeleteProtectConfigurationCommand,
  DeleteVoiceMessageSpendLimitOverrideCommand,
  DescribeConfigurationSetsCommand,
  DescribePhoneNumbersCommand,
  DescribePoolsCommand,
  DescribeProtectConfigurationsCommand,
  DescribeSpendLimitsCommand,
  DisassociateOriginationIdentityCommand,
  GetProtectConfigurationCountryRuleSetCommand,
  ListPoolOriginationIdentitiesCommand,
  ReleasePhoneNumberCommand,
  RequestPhoneNumberCommand,
  ResourceNotFoundException,
  SendVoiceMessageCommand,
  ServiceQuotaExceededException,
  SetVoiceMessageSpendLimitOverrideCommand,
  ThrottlingException,
  UpdateEventDestinationCommand,
  UpdatePhoneNumberCommand,
  UpdateProtectConfigurationCountryRuleSetCommand,
  ValidationException,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { FROM, TO, TOPIC, fault, get, invalid, once, post, record, valid } from "./harness.mjs";

const HEX32 = "0123456789abcdef".repeat(2);
const PHONE = `phone-${HEX32}`;
const POOL = `pool-${HEX32}`;
const NUMBER = { IsoCountryCode: "US", MessageType: "TRANSACTIONAL", NumberType: "LONG_CODE" };
const has = (value, what) => (value ? null : `no ${what}`);

async function phoneNumbers(v2) {
  const number = await valid("v2 RequestPhoneNumber", v2,
    new RequestPhoneNumberCommand({ ...NUMBER, NumberCapabilities: ["SMS", "VOICE"] }),
    (o) => (o.Status === "ACTIVE" && o.CreatedTimestamp instanceof Date ? null : JSON.stringify(o)));
  await invalid("v2 RequestPhoneNumber (a promotional simulator)", v2,
    new RequestPhoneNumberCommand({ ...NUMBER, MessageType: "PROMOTIONAL", NumberType: "SIMULATOR", NumberCapabilities: ["VOICE"] }),
    ValidationException, 400);
  const PhoneNumberId = number?.PhoneNumberId;
  await valid("v2 DescribePhoneNumbers", v2, new DescribePhoneNumbersCommand({ PhoneNumberIds: [PhoneNumberId] }),
    (o) => (o.PhoneNumbers?.[0]?.PhoneNumber === number?.PhoneNumber ? null : JSON.stringify(o)));
  await invalid("v2 DescribePhoneNumbers (unknown id)", v2,
    new DescribePhoneNumbersCommand({ PhoneNumberIds: [PHONE] }), ResourceNotFoundException, 400, { ResourceType: "phone-number" });
  await valid("v2 UpdatePhoneNumber", v2,
    new UpdatePhoneNumberCommand({ PhoneNumberId, DeletionProtectionEnabled: true }),
    (o) => (o.DeletionProtectionEnabled === true ? null : JSON.stringify(o)));
  await invalid("v2 UpdatePhoneNumber (unknown id)", v2,
    new UpdatePhoneNumberCommand({ PhoneNumberId: PHONE }), ResourceNotFoundException, 400);
  await invalid("v2 ReleasePhoneNumber (deletion protection)", v2,
    new ReleasePhoneNumberCommand({ PhoneNumberId }), ConflictException, 400, { Reason: "DELETION_PROTECTION_ENABLED" });
  await v2.send(new UpdatePhoneNumberCommand({ PhoneNumberId, DeletionProtectionEnabled: false }));
  await valid("v2 ReleasePhoneNumber", v2, new ReleasePhoneNumberCommand({ PhoneNumberId }),
    (o) => (o.Status === "DELETED" ? null : JSON.stringify(o)));
}

async function pools(v2) {
  const first = await v2.send(new RequestPhoneNumberCommand({ ...NUMBER, NumberCapabilities: ["VOICE"] }));
  const second = await v2.send(new RequestPhoneNumberCommand({ ...NUMBER, NumberCapabilities: ["VOICE"] }));
  const pool = await valid("v2 CreatePool", v2,
    new CreatePoolCommand({ OriginationIdentity: first.PhoneNumberId, MessageType: "TRANSACTIONAL" }),
    (o) => has(o.PoolId?.startsWith("pool-"), "PoolId"));
  await invalid("v2 CreatePool (a number in a pool)", v2,
    new CreatePoolCommand({ OriginationIdentity: first.PhoneNumberId, MessageType: "TRANSACTIONAL" }),
    ConflictException, 400);
  const PoolId = pool?.PoolId;
  await valid("v2 AssociateOriginationIdentity", v2,
    new AssociateOriginationIdentityCommand({ PoolId: pool?.PoolArn, OriginationIdentity: second.PhoneNumberArn }),
    (o) => (o.OriginationIdentity === second.PhoneNumberId ? null : JSON.stringify(o)));
  await invalid("v2 AssociateOriginationIdentity (unknown pool)", v2,
    new AssociateOriginationIdentityCommand({ PoolId: POOL, OriginationIdentity: second.PhoneNumberId }),
    ResourceNotFoundException, 400);
  await valid("v2 ListPoolOriginationIdentities", v2, new ListPoolOriginationIdentitiesCommand({ PoolId }),
    (o) => (o.OriginationIdentities?.length === 2 ? null : JSON.stringify(o)));
  await invalid("v2 ListPoolOriginationIdentities (unknown pool)", v2,
    new ListPoolOriginationIdentitiesCommand({ PoolId: POOL }), ResourceNotFoundException, 400);
  await valid("v2 DescribePools", v2, new DescribePoolsCommand({ PoolIds: [PoolId] }),
    (o) => (o.Pools?.[0]?.Status === "ACTIVE" ? null : JSON.stringify(o)));
  await invalid("v2 DescribePools (a token it never issued)", v2,
    new DescribePoolsCommand({ NextToken: "not-issued" }), ValidationException, 400);
  const numbers = [];
  for (const n of [1, 2]) {
    const sent = await v2.send(new SendVoiceMessageCommand({ DestinationPhoneNumber: TO, OriginationIdentity: PoolId, MessageBody: `pool ${n}` }));
    const { messages } = await get("sent?api=v2");
    numbers.push(messages.find((m) => m.message_id === sent.MessageId)?.origination_phone_number);
  }
  record("v2 SendVoiceMessage (a pool's numbers take turns)", "valid",
    numbers[0] === first.PhoneNumber && numbers[1] === second.PhoneNumber, JSON.stringify(numbers));
  await valid("v2 DisassociateOriginationIdentity", v2,
    new DisassociateOriginationIdentityCommand({ PoolId, OriginationIdentity: second.PhoneNumberId }),
    (o) => (o.PoolId === PoolId ? null : JSON.stringify(o)));
  await invalid("v2 DisassociateOriginationIdentity (its last number)", v2,
    new DisassociateOriginationIdentityCommand({ PoolId, OriginationIdentity: first.PhoneNumberId }),
    ConflictException, 400, { Reason: "LAST_PHONE_NUMBER" });
  await valid("v2 DeletePool", v2, new DeletePoolCommand({ PoolId }), (o) => (o.PoolId === PoolId ? null : JSON.stringify(o)));
  await invalid("v2 DeletePool (already deleted)", v2, new DeletePoolCommand({ PoolId }), ResourceNotFoundException, 400);
}

async function configurationSets(v2) {
  const ConfigurationSetName = "js-v2-set";
  const EventDestinationName = "sns";
  await valid("v2 CreateConfigurationSet", v2, new CreateConfigurationSetCommand({ ConfigurationSetName }),
    (o) => has(o.ConfigurationSetArn, "ConfigurationSetArn"));
  await invalid("v2 CreateConfigurationSet (exists)", v2,
    new CreateConfigurationSetCommand({ ConfigurationSetName }), ConflictException, 400);
  const destination = { ConfigurationSetName, EventDestinationName, MatchingEventTypes: ["VOICE_ALL"] };
  await valid("v2 CreateEventDestination", v2,
    new CreateEventDestinationCommand({ ...destination, SnsDestination: { TopicArn: TOPIC } }),
    (o) => (o.EventDestination?.Enabled === true ? null : JSON.stringify(o)));
  await invalid("v2 CreateEventDestination (no destination)", v2,
    new CreateEventDestinationCommand({ ...destination, EventDestinationName: "none" }), ValidationException, 400);
  for (const n of [2, 3, 4, 5]) {
    await v2.send(new CreateEventDestinationCommand({ ...destination, EventDestinationName: `sns-${n}`, SnsDestination: { TopicArn: TOPIC } }));
  }
  await invalid("v2 CreateEventDestination (a sixth)", v2,
    new CreateEventDestinationCommand({ ...destination, EventDestinationName: "sns-6", SnsDestination: { TopicArn: TOPIC } }),
    ServiceQuotaExceededException, 400, { Reason: "EVENT_DESTINATIONS_PER_CONFIGURATION_SET" });
  await valid("v2 UpdateEventDestination", v2,
    new UpdateEventDestinationCommand({ ConfigurationSetName, EventDestinationName, Enabled: false }),
    (o) => (o.EventDestination?.Enabled === false ? null : JSON.stringify(o)));
  await invalid("v2 UpdateEventDestination (another kind)", v2,
    new UpdateEventDestinationCommand({
      ConfigurationSetName, EventDestinationName,
      CloudWatchLogsDestination: { IamRoleArn: "arn:aws:iam::123456789012:role/r", LogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:g" },
    }), ConflictException, 400);
  await valid("v2 DescribeConfigurationSets", v2, new DescribeConfigurationSetsCommand({ ConfigurationSetNames: [ConfigurationSetName] }),
    (o) => (o.ConfigurationSets?.[0]?.EventDestinations?.length === 5 ? null : JSON.stringify(o)));
  await invalid("v2 DescribeConfigurationSets (unknown)", v2,
    new DescribeConfigurationSetsCommand({ ConfigurationSetNames: ["missing"] }), ResourceNotFoundException, 400);
  await valid("v2 DeleteEventDestination", v2, new DeleteEventDestinationCommand({ ConfigurationSetName, EventDestinationName }),
    (o) => (o.EventDestination?.EventDestinationName === EventDestinationName ? null : JSON.stringify(o)));
  await invalid("v2 DeleteEventDestination (already deleted)", v2,
    new DeleteEventDestinationCommand({ ConfigurationSetName, EventDestinationName }), ResourceNotFoundException, 400);
  await valid("v2 DeleteConfigurationSet", v2, new DeleteConfigurationSetCommand({ ConfigurationSetName }),
    (o) => (o.ConfigurationSetName === ConfigurationSetName ? null : JSON.stringify(o)));
  await invalid("v2 DeleteConfigurationSet (already deleted)", v2,
    new DeleteConfigurationSetCommand({ ConfigurationSetName }), ResourceNotFoundException, 400);
}

async function protectConfigurations(v2) {
  const created = await valid("v2 CreateProtectConfiguration", v2,
    new CreateProtectConfigurationCommand({ Tags: [{ Key: "Name", Value: "js" }] }),
    (o) => has(o.ProtectConfigurationId?.startsWith("protect-"), "ProtectConfigurationId"));
  await invalid("v2 CreateProtectConfiguration (a client token with a space)", v2,
    new CreateProtectConfigurationCommand({ ClientToken: "not a token" }), ValidationException, 400);
  const ProtectConfigurationId = created?.ProtectConfigurationId;
  await valid("v2 UpdateProtectConfigurationCountryRuleSet", v2,
    new UpdateProtectConfigurationCountryRuleSetCommand({
      ProtectConfigurationId, NumberCapability: "VOICE", CountryRuleSetUpdates: { CU: { ProtectStatus: "BLOCK" } },
    }), (o) => (o.CountryRuleSet?.CU?.ProtectStatus === "BLOCK" ? null : JSON.stringify(o)));
  await invalid("v2 UpdateProtectConfigurationCountryRuleSet (a country in lower case)", v2,
    new UpdateProtectConfigurationCountryRuleSetCommand({
      ProtectConfigurationId, NumberCapability: "VOICE", CountryRuleSetUpdates: { cu: { ProtectStatus: "BLOCK" } },
    }), ValidationException, 400);
  await valid("v2 GetProtectConfigurationCountryRuleSet", v2,
    new GetProtectConfigurationCountryRuleSetCommand({ ProtectConfigurationId: created?.ProtectConfigurationArn, NumberCapability: "VOICE" }),
    (o) => (o.CountryRuleSet?.CU?.ProtectStatus === "BLOCK" ? null : JSON.stringify(o)));
  await invalid("v2 GetProtectConfigurationCountryRuleSet (unknown)", v2,
    new GetProtectConfigurationCountryRuleSetCommand({ ProtectConfigurationId: "missing", NumberCapability: "VOICE" }),
    ResourceNotFoundException, 400);
  await valid("v2 DescribeProtectConfigurations", v2, new DescribeProtectConfigurationsCommand({}),
    (o) => (o.ProtectConfigurations?.some((p) => p.ProtectConfigurationId === ProtectConfigurationId) ? null : JSON.stringify(o)));
  await invalid("v2 DescribeProtectConfigurations (unknown)", v2,
    new DescribeProtectConfigurationsCommand({ ProtectConfigurationIds: ["missing"] }), ResourceNotFoundException, 400);
  await valid("v2 DeleteProtectConfiguration", v2, new DeleteProtectConfigurationCommand({ ProtectConfigurationId }),
    (o) => (o.ProtectConfigurationId === ProtectConfigurationId ? null : JSON.stringify(o)));
  await invalid("v2 DeleteProtectConfiguration (already deleted)", v2,
    new DeleteProtectConfigurationCommand({ ProtectConfigurationId }), ResourceNotFoundException, 400);
}

async function spendLimits(v2) {
  const VOICE = "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT";
  const voice = (o) => o.SpendLimits?.find((l) => l.Name === VOICE);
  await valid("v2 DescribeSpendLimits", v2, new DescribeSpendLimitsCommand({}),
    (o) => (o.SpendLimits?.length === 3 && voice(o)?.Overridden === false ? null : JSON.stringify(o)));
  await invalid("v2 DescribeSpendLimits (a token it never issued)", v2,
    new DescribeSpendLimitsCommand({ NextToken: "not-issued" }), ValidationException, 400);
  await valid("v2 SetVoiceMessageSpendLimitOverride", v2, new SetVoiceMessageSpendLimitOverrideCommand({ MonthlyLimit: 0 }),
    (o) => (o.MonthlyLimit === 0 ? null : JSON.stringify(o)));
  await invalid("v2 SetVoiceMessageSpendLimitOverride (over the quota)", v2,
    new SetVoiceMessageSpendLimitOverrideCommand({ MonthlyLimit: 5 }), ValidationException, 400);
  await valid("v2 DeleteVoiceMessageSpendLimitOverride", v2, new DeleteVoiceMessageSpendLimitOverrideCommand({}),
    (o) => (o.MonthlyLimit === 1 ? null : JSON.stringify(o)));
  // It takes no input, so nothing in it can be wrong: an injected fault stands for its errors.
  await fault("v2 DeleteVoiceMessageSpendLimitOverride 429", "v2", "DeleteVoiceMessageSpendLimitOverride", 429,
    (c) => c.v2.send(new DeleteVoiceMessageSpendLimitOverrideCommand({})), ThrottlingException);
}

async function refusedSends(v2) {
  const send = (extra) => new SendVoiceMessageCommand({ DestinationPhoneNumber: TO, OriginationIdentity: FROM, MessageBody: "x", ...extra });
  const before = (await get("sent?api=v2")).messages.length;
  await post("adopt-phone-number", { identity: "+12065550111", capabilities: ["SMS"] });
  await invalid("v2 SendVoiceMessage (an identity the account does not hold)", v2,
    send({ OriginationIdentity: PHONE }), ResourceNotFoundException, 400, { ResourceType: "phone-number", ResourceId: PHONE });
  await invalid("v2 SendVoiceMessage (a pool the account does not hold)", v2,
    send({ OriginationIdentity: POOL }), ResourceNotFoundException, 400, { ResourceType: "pool" });
  await invalid("v2 SendVoiceMessage (a number that cannot place calls)", v2,
    send({ OriginationIdentity: "+12065550111" }), ValidationException, 400, { Reason: "VOICE_CAPABILITY_NOT_AVAILABLE" });
  await invalid("v2 SendVoiceMessage (a configuration set the account does not hold)", v2,
    send({ ConfigurationSetName: "missing" }), ResourceNotFoundException, 400, { ResourceType: "configuration-set" });
  await invalid("v2 SendVoiceMessage (a protect configuration the account does not hold)", v2,
    send({ ProtectConfigurationId: "missing" }), ResourceNotFoundException, 400, { ResourceType: "protect-configuration" });
  await post("adopt-protect-configuration", { identity: "protect-calls", country_rule_set: { VOICE: { CU: "BLOCK" } } });
  await invalid("v2 SendVoiceMessage (a country the protect configuration blocks)", v2,
    send({ DestinationPhoneNumber: "+5378000000", ProtectConfigurationId: "protect-calls" }), ConflictException, 400,
    { Reason: "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION", ResourceType: "protect-configuration" });
  const after = (await get("sent?api=v2")).messages.length;
  record("v2 SendVoiceMessage (refused: nothing sent)", "invalid", after === before, `${after - before} sent`);
}

export async function v2Resources() {
  const v2 = once.v2;
  await phoneNumbers(v2);
  await pools(v2);
  await configurationSets(v2);
  await protectConfigurations(v2);
  await spendLimits(v2);
  await refusedSends(v2);
}
