/** One subscription order for every command: ARM_SUBSCRIPTION_ID, AZURE_SUBSCRIPTION_ID, then az's default. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findSubscription } from "../cli/azureSubscription";

function azConfigDir(profile: unknown, bom = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-az-"));
  fs.writeFileSync(path.join(dir, "azureProfile.json"), `${bom ? "\uFEFF" : ""}${JSON.stringify(profile)}`);
  return dir;
}

const profile = {
  installationId: "i",
  subscriptions: [
    { id: "aaaaaaaa-0000-0000-0000-000000000001", name: "other", isDefault: false, tenantId: "t1", state: "Enabled", user: { name: "me@example.com", type: "user" } },
    { id: "aaaaaaaa-0000-0000-0000-000000000002", name: "mine", isDefault: true, tenantId: "t2", state: "Enabled", user: { name: "me@example.com", type: "user" } },
  ],
};

test("ARM_SUBSCRIPTION_ID wins, then AZURE_SUBSCRIPTION_ID, then az's default", () => {
  const dir = azConfigDir(profile);
  expect(findSubscription({ AZURE_CONFIG_DIR: dir, ARM_SUBSCRIPTION_ID: "arm", AZURE_SUBSCRIPTION_ID: "azure" })).toEqual({ id: "arm", source: "ARM_SUBSCRIPTION_ID" });
  expect(findSubscription({ AZURE_CONFIG_DIR: dir, AZURE_SUBSCRIPTION_ID: "azure" })).toEqual({ id: "azure", source: "AZURE_SUBSCRIPTION_ID" });
  expect(findSubscription({ AZURE_CONFIG_DIR: dir })).toMatchObject({ id: "aaaaaaaa-0000-0000-0000-000000000002", tenantId: "t2", source: expect.stringContaining("az's default") });
  // Without a byte order mark too.
  expect(findSubscription({ AZURE_CONFIG_DIR: azConfigDir(profile, false) })?.id).toBe("aaaaaaaa-0000-0000-0000-000000000002");
});

test("no variable, and az has no default or no profile: none", () => {
  expect(findSubscription({ AZURE_CONFIG_DIR: azConfigDir({ subscriptions: [{ ...profile.subscriptions[0] }] }) })).toBeUndefined();
  expect(findSubscription({ AZURE_CONFIG_DIR: path.join(os.tmpdir(), "dps-x509-no-such-dir") })).toBeUndefined();
  expect(findSubscription({ AZURE_CONFIG_DIR: azConfigDir("not json{") })).toBeUndefined();
});
