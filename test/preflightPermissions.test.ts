/** ARM's evaluation of Microsoft.Authorization/permissions, as preflight applies it (cli/preflight/permissions.ts). */
import { isActionAllowed, requiredActions } from "../cli/preflight/permissions";

const CONTRIBUTOR = { actions: ["*"], notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"] };

test("wildcards match any run of characters, without regard to case", () => {
  expect(isActionAllowed([{ actions: ["Microsoft.Devices/*"] }], "Microsoft.Devices/IotHubs/write")).toBe(true);
  expect(isActionAllowed([{ actions: ["microsoft.devices/iothubs/*"] }], "Microsoft.Devices/IotHubs/listkeys/action")).toBe(true);
  expect(isActionAllowed([{ actions: ["*/read"] }], "Microsoft.Devices/IotHubs/write")).toBe(false);
  expect(isActionAllowed([{ actions: ["Microsoft.Devices/IotHubs/read"] }], "Microsoft.Devices/IotHubs/readwrite")).toBe(false);
});

test("notActions take away from their own entry only: another role's grant still counts", () => {
  expect(isActionAllowed([CONTRIBUTOR], "Microsoft.Authorization/roleAssignments/write")).toBe(false);
  expect(isActionAllowed([CONTRIBUTOR], "Microsoft.Devices/provisioningServices/write")).toBe(true);
  const withRbacAdmin = [CONTRIBUTOR, { actions: ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"], notActions: [] }];
  expect(isActionAllowed(withRbacAdmin, "Microsoft.Authorization/roleAssignments/write")).toBe(true);
  expect(isActionAllowed([], "Microsoft.Devices/IotHubs/write")).toBe(false);
});

test("what up needs follows the stack: roles only when it assigns any, certificate actions only with CAs", () => {
  const actions = (target: Parameters<typeof requiredActions>[0]) => requiredActions(target).map((entry) => entry.action);
  const full = actions({ hubs: [{}], dpsName: "d", vaultCreate: true, assignsRoles: true, caCount: 2 });
  expect(full).toEqual(expect.arrayContaining(["Microsoft.Authorization/roleAssignments/write", "Microsoft.KeyVault/vaults/write", "Microsoft.Devices/provisioningServices/certificates/verify/action"]));
  const bare = actions({ hubs: [{}], dpsName: "d", vaultCreate: false, assignsRoles: false, caCount: 0 });
  expect(bare).not.toContain("Microsoft.Authorization/roleAssignments/write");
  expect(bare).not.toContain("Microsoft.KeyVault/vaults/write");
  expect(bare.some((action) => action.includes("certificates"))).toBe(false);
});
