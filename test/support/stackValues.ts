/**
 * The smallest valid stack configs the plan-rule tests start from and break one key at a time: a fresh copy on
 * every call, so that a test may change it.
 */

/** A platform: a root and an intermediate, one hub, one group on the intermediate. */
export function platformStackValues(): Record<string, any> {
  return {
    resourceGroupName: "iot-rg",
    dps: { name: "my-dps" },
    hubs: [{ name: "hub-one" }],
    ca: { root: { name: "root-ca", commonName: "Root" }, intermediates: [{ name: "int-ca", commonName: "Intermediate" }] },
    enrollmentGroups: [{ enrollmentId: "group-1", caName: "int-ca" }],
  };
}

/** A tenant of `my-org/dps-x509/platform`: one intermediate, one group on it. */
export function tenantStackValues(): Record<string, any> {
  return {
    platform: "my-org/dps-x509/platform",
    tenant: "customer-a",
    ca: { intermediates: [{ name: "intermediate-ca", commonName: "Customer A Intermediate CA" }] },
    enrollmentGroups: [{ enrollmentId: "devices", caName: "intermediate-ca" }],
  };
}
