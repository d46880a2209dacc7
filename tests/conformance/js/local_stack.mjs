// The AWS SDK for JavaScript v3 against `voice-constructs emulate --app`: the stack's sender
// invoked, its call followed in the call status table, as an application in any language would.
//
// Usage: VOICE_ENDPOINT=http://127.0.0.1:PORT SENDER=function-name TABLE=table-name \
//        node local_stack.mjs
// Prints one JSON line: {"messageId", "status", "isFinal", "history"} or {"error"}; exits 1 on
// an error. tests/conformance/test_local_loop.py runs it.

import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

const endpoint = process.env.VOICE_ENDPOINT;
const sender = process.env.SENDER;
const table = process.env.TABLE;
if (!endpoint || !sender || !table) {
  console.error("VOICE_ENDPOINT, SENDER and TABLE must be set");
  process.exit(2);
}
const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  // An invoke is never retried: a retry after a lost answer could call twice.
  maxAttempts: 1,
};
const lambda = new LambdaClient(config);
const dynamodb = new DynamoDBClient(config);

async function main() {
  const invoked = await lambda.send(
    new InvokeCommand({
      FunctionName: sender,
      Payload: new TextEncoder().encode(
        JSON.stringify({
          DestinationPhoneNumber: "+12065550177",
          Content: { PlainTextMessage: { Text: "Sent from JavaScript." } },
          IdempotencyKey: `js-${Date.now()}`,
        }),
      ),
    }),
  );
  const answer = JSON.parse(new TextDecoder().decode(invoked.Payload));
  if (invoked.FunctionError) {
    return { error: `${answer.errorType}: ${answer.errorMessage}` };
  }
  const messageId = answer.MessageId;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { MessageId: { S: messageId } }, ConsistentRead: true }),
    );
    if (Item?.IsFinal?.BOOL) {
      const history = Object.keys(Item).filter((name) => name.endsWith("At") && name !== "StatusAt");
      return { messageId, status: Item.Status.S, isFinal: true, history: history.sort() };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { messageId, error: "no final status in 30 s" };
}

const result = await main().catch((error) => ({ error: `${error.name}: ${error.message}` }));
console.log(JSON.stringify(result));
process.exit(result.error ? 1 : 0);
