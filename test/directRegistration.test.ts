/**
 * cli/plan/directRegistration.ts on its own: what the replaced registerResource answers (the mocks' id and state
 * under MockMonitor's URN, the state in the SDK's wire format, the monitor's resource table filled), that a mock's
 * error reaches the caller, and that a monitor other than the SDK's mock is left as it is.
 */
import * as pulumi from "@pulumi/pulumi";
import { registerWithoutProtobufAnswers, wireInputsOf, type RegisterRequest } from "../cli/plan/directRegistration";

const settings: { setMockOptions(monitor: unknown, project?: string, stack?: string, preview?: boolean): void } = require("@pulumi/pulumi/runtime/settings");
const rpc: { unknownValue: string; specialSigKey: string; specialSecretSig: string } = require("@pulumi/pulumi/runtime/rpc");

function request(inputs: Record<string, unknown>, o: { parent?: string; importId?: string } = {}): RegisterRequest & { reads: number } {
  const req = {
    reads: 0,
    getType: () => "test:index:Thing",
    getName: () => "thing-1",
    getParent: () => o.parent ?? "",
    getProvider: () => "",
    getCustom: () => true,
    getImportid: () => o.importId ?? "",
    getObject: () => ({ toJavaScript: () => (req.reads++, inputs) }),
  };
  return req;
}

type Answer = { getUrn(): string; getId(): string; getObject(): { toJavaScript(): unknown }; getResult(): number; getPropertydependenciesMap(): unknown };

function register(req: RegisterRequest): Promise<Answer> {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: (err: unknown, res?: Answer) => void): void };
  return new Promise((resolve, reject) => monitor.registerResource(req, (err, res) => (err ? reject(err) : resolve(res!))));
}

test("answers with the mocks' id and state, in the wire format, under MockMonitor's URN; reads the inputs once", async () => {
  const seen: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push(args);
        return { id: `${args.name}-id`, state: { ...args.inputs, hostName: "x.example", key: pulumi.secret("k") } };
      },
      call: () => ({}),
    },
    "proj",
    "stk",
    true,
  );
  registerWithoutProtobufAnswers();
  const req = request({ size: 3, tags: { a: "b" }, later: rpc.unknownValue }, { parent: "urn:pulumi:stk::proj::test:index:Parent::p", importId: "/subscriptions/x" });
  const answer = await register(req);
  expect(answer.getUrn()).toBe("urn:pulumi:stk::proj::test:index:Parent$test:index:Thing::thing-1");
  expect(answer.getId()).toBe("thing-1-id");
  expect(answer.getResult()).toBe(0);
  expect(answer.getPropertydependenciesMap()).toBeUndefined();
  // The mocks got the inputs deserialized as MockMonitor gives them (an unknown as the SDK's Unknown), the import id as the id.
  expect(seen).toEqual([expect.objectContaining({ type: "test:index:Thing", name: "thing-1", inputs: { size: 3, tags: { a: "b" }, later: expect.objectContaining({ __pulumiUnknown: true }) }, custom: true, id: "/subscriptions/x" })]);
  // The state as the SDK serializes it: the unknown and the secret in their wire forms.
  expect(answer.getObject().toJavaScript()).toEqual({ size: 3, tags: { a: "b" }, later: rpc.unknownValue, hostName: "x.example", key: { [rpc.specialSigKey]: rpc.specialSecretSig, value: "k" } });
  const table = (pulumi.runtime.getMonitor() as unknown as { resources: Map<string, { id: string | null; state: unknown }> }).resources;
  expect(table.get(answer.getUrn())).toMatchObject({ id: "thing-1-id", state: answer.getObject().toJavaScript() });
  // Read once, whoever asks again (the plan's recorder does).
  expect(wireInputsOf(req)).toBe(wireInputsOf(req));
  expect(req.reads).toBe(1);
});

test("a resource without an id (a component) is answered with an empty id, as MockMonitor does", async () => {
  await pulumi.runtime.setMocks({ newResource: () => ({ id: undefined, state: {} }), call: () => ({}) }, "proj", "stk", true);
  registerWithoutProtobufAnswers();
  const answer = await register(request({}));
  expect(answer.getId()).toBe("");
});

test("a mock's error reaches the caller", async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: () => {
        throw new Error("the mocks do not know this resource");
      },
      call: () => ({}),
    },
    "proj",
    "stk",
    true,
  );
  registerWithoutProtobufAnswers();
  await expect(register(request({}))).rejects.toThrow("the mocks do not know this resource");
});

test("a monitor that is not the SDK's mock is left as it is", () => {
  const registerResource = () => undefined;
  for (const monitor of [{ registerResource }, { registerResource, newUrn: () => "", resources: new Map() }, { registerResource, newUrn: () => "", resources: {}, mocks: { newResource: () => ({}) } }]) {
    settings.setMockOptions(monitor, "proj", "stk", true);
    registerWithoutProtobufAnswers();
    expect(monitor.registerResource).toBe(registerResource);
  }
});
