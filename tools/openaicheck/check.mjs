// check.mjs drives `gosling serve` with the official OpenAI client library,
// as a user would: a tool-call round trip (forced, named, and streamed) and
// response_format json_schema (strict), streamed and not, plus a schema
// error. It exits 1 on the first thing that is wrong. See README.md.
//
// The openai package is resolved from the current directory, so that
// node_modules stays out of the repository:
//
//	mkdir /tmp/oc && cd /tmp/oc && npm install openai
//	node $REPO/tools/openaicheck/check.mjs   # GOSLING_URL, default http://127.0.0.1:8080/v1
import { createRequire } from "node:module";

const require = createRequire(process.cwd() + "/");
const OpenAI = require("openai").default ?? require("openai");
const version = require(require.resolve("openai").replace(/[/\\][^/\\]*$/, "") + "/version.js").VERSION;

const client = new OpenAI({
  baseURL: process.env.GOSLING_URL ?? "http://127.0.0.1:8080/v1",
  apiKey: process.env.GOSLING_API_KEY ?? "none",
});

const tools = [
  {
    type: "function",
    function: {
      name: "read_sensor",
      description: "Read a temperature sensor, in degrees Celsius",
      parameters: {
        type: "object",
        properties: { sensor: { type: "string", enum: ["greenhouse", "outside"] } },
        required: ["sensor"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "set_fan",
      description: "Switch the greenhouse fan",
      parameters: {
        type: "object",
        properties: { on: { type: "boolean" }, minutes: { type: "integer", minimum: 1, maximum: 30 } },
        required: ["on"],
        additionalProperties: false,
      },
    },
  },
];

function fail(msg) {
  console.log("FAIL: " + msg);
  process.exit(1);
}

// checkArgs validates a call's arguments against the tools above, by hand.
function checkArgs(name, text) {
  const a = JSON.parse(text);
  if (name === "read_sensor") {
    if (Object.keys(a).length !== 1 || !["greenhouse", "outside"].includes(a.sensor)) fail(`read_sensor ${text}`);
  } else if (name === "set_fan") {
    if (typeof a.on !== "boolean") fail(`set_fan ${text}`);
    if ("minutes" in a && !(Number.isInteger(a.minutes) && a.minutes >= 1 && a.minutes <= 30)) fail(`set_fan ${text}`);
    if (Object.keys(a).some((k) => k !== "on" && k !== "minutes")) fail(`set_fan ${text}`);
  } else fail(`call to unknown tool ${name}`);
  return a;
}

const messages = [
  { role: "system", content: "You look after a greenhouse." },
  { role: "user", content: "Is the greenhouse too warm? If so, switch the fan on." },
];
console.log(`openai ${version} against ${client.baseURL}`);

// 1. A forced call, not streamed.
let r = await client.chat.completions.create({ model: "gosling-demo", messages, tools, tool_choice: "required", seed: 1, max_tokens: 200 });
let c = r.choices[0];
if (c.finish_reason !== "tool_calls" || c.message.tool_calls?.length !== 1) fail(`required: ${JSON.stringify(c)}`);
let call = c.message.tool_calls[0];
checkArgs(call.function.name, call.function.arguments);
console.log(`tool_choice required: finish_reason=${c.finish_reason} call ${call.id} ${call.function.name}(${call.function.arguments})`);

// 2. The round trip: the call and its output back, as role "tool".
messages.push(c.message, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ sensor: "greenhouse", celsius: 31.5 }) });
r = await client.chat.completions.create({ model: "gosling-demo", messages, tools, tool_choice: "none", seed: 1, max_tokens: 40 });
c = r.choices[0];
if (typeof c.message.content !== "string" || c.message.tool_calls?.length) fail(`after the tool: ${JSON.stringify(c)}`);
console.log(`after role tool: finish_reason=${c.finish_reason} answer ${JSON.stringify(c.message.content.slice(0, 80))}`);

// 3. A named tool.
r = await client.chat.completions.create({ model: "gosling-demo", messages: messages.slice(0, 2), tools, seed: 2, max_tokens: 200,
  tool_choice: { type: "function", function: { name: "set_fan" } } });
call = r.choices[0].message.tool_calls?.[0];
if (call?.function.name !== "set_fan") fail(`named: ${JSON.stringify(r.choices[0])}`);
checkArgs(call.function.name, call.function.arguments);
console.log(`tool_choice set_fan: ${call.function.name}(${call.function.arguments})`);

// 4. A forced call, streamed: the deltas put together as a client does.
const stream = await client.chat.completions.create({ model: "gosling-demo", messages: messages.slice(0, 2), tools, tool_choice: "required",
  seed: 3, max_tokens: 200, stream: true });
const calls = [];
let finish = null, chunks = 0;
for await (const chunk of stream) {
  chunks++;
  const d = chunk.choices[0]?.delta;
  for (const tc of d?.tool_calls ?? []) {
    calls[tc.index] ??= { id: "", name: "", arguments: "" };
    if (tc.id) calls[tc.index].id = tc.id;
    if (tc.function?.name) calls[tc.index].name += tc.function.name;
    if (tc.function?.arguments) calls[tc.index].arguments += tc.function.arguments;
  }
  finish = chunk.choices[0]?.finish_reason ?? finish;
}
if (calls.length !== 1 || finish !== "tool_calls") fail(`streamed: ${JSON.stringify(calls)} ${finish}`);
checkArgs(calls[0].name, calls[0].arguments);
console.log(`streamed call (${chunks} chunks): finish_reason=${finish} ${calls[0].id} ${calls[0].name}(${calls[0].arguments})`);

// 5. response_format json_schema (strict), not streamed and streamed.
const schema = {
  type: "object",
  properties: {
    too_warm: { type: "boolean" },
    celsius: { type: "number", minimum: -40, maximum: 60 },
    action: { type: "string", enum: ["fan_on", "fan_off", "nothing"] },
  },
  required: ["too_warm", "celsius", "action"],
  additionalProperties: false,
};
const response_format = { type: "json_schema", json_schema: { name: "verdict", strict: true, schema } };
function checkVerdict(text) {
  const v = JSON.parse(text);
  if (typeof v.too_warm !== "boolean" || typeof v.celsius !== "number" || v.celsius < -40 || v.celsius > 60 ||
      !["fan_on", "fan_off", "nothing"].includes(v.action) || Object.keys(v).length !== 3) fail(`verdict ${text}`);
}
r = await client.chat.completions.create({ model: "gosling-demo", messages: messages.slice(0, 2), response_format, seed: 4, max_tokens: 200 });
checkVerdict(r.choices[0].message.content);
console.log(`json_schema: finish_reason=${r.choices[0].finish_reason} ${r.choices[0].message.content}`);
let text = "";
for await (const chunk of await client.chat.completions.create({ model: "gosling-demo", messages: messages.slice(0, 2), response_format, seed: 5,
  max_tokens: 200, stream: true })) {
  text += chunk.choices[0]?.delta?.content ?? "";
  finish = chunk.choices[0]?.finish_reason ?? finish;
}
checkVerdict(text);
console.log(`json_schema streamed: finish_reason=${finish} ${text}`);

// 6. An invalid schema: a 400 with the place in the schema.
try {
  await client.chat.completions.create({ model: "gosling-demo", messages: messages.slice(0, 2), max_tokens: 5,
    response_format: { type: "json_schema", json_schema: { name: "bad", schema: { type: "object", properties: { n: { type: "integer", multipleOf: 3 } } } } } });
  fail("an invalid schema was accepted");
} catch (e) {
  if (!(e instanceof OpenAI.BadRequestError) || !String(e.message).includes("#/properties/n")) throw e;
  console.log(`invalid schema: ${e.status} param=${e.param} ${e.message}`);
}
console.log("PASS");
