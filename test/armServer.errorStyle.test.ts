/** The Devices resource provider's own error shape (numeric code, flat), and what the SDK makes of it. */
import { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createRootCa } from "../certs";
import { startArmServer } from "../azure-test-servers/armServer";

test("iotRp error style: flat body with a numeric code; the SDK keeps the status and the message", async () => {
  const server = await startArmServer({ errorStyle: "iotRp" });
  try {
    const root = createRootCa({ commonName: "errorStyle root", keySize: 2048, validityDays: 5 });
    server.state.dps("sub", "rg", "dps").upload("root", root.certificatePem);
    const client = new IotDpsClient({ getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, "sub", { endpoint: server.url });
    const error = await client.dpsCertificate.generateVerificationCode("root", "stale", "rg", "dps").then(
      () => undefined,
      (e) => e,
    );
    expect(error.statusCode).toBe(412);
    expect(error.message).toContain("PreconditionFailed");
    expect(JSON.stringify(error.response?.parsedBody ?? {})).toContain("412001");
  } finally {
    await server.close();
  }
});
