import * as pulumi from "@pulumi/pulumi";
import * as local from "@pulumi/command/local";
import { assertRegistrationId } from "../../certs";
import { deviceRegisterCommand, ISSUED_ROOTS_ENV, ISSUER_CERT_ENV, ISSUER_KEY_ENV, ISSUER_KEY_ID_ENV } from "./smokeTestCommand";

export interface SmokeTestArgs {
  /** Registration id (and CN) of the throwaway device; reused on every run, so one device identity is kept. */
  readonly registrationId: string;
  /** The DPS's ID scope. */
  readonly idScope: pulumi.Input<string>;
  /** The global device endpoint, e.g. `global.azure-devices-provisioning.net`. */
  readonly globalEndpoint: pulumi.Input<string>;
  /** The intermediate (or root) CA the group trusts, PEM: it issues the throwaway device certificate. */
  readonly issuerCertificatePem: pulumi.Input<string>;
  /** Its private key, PEM (made secret): reaches the command only through its environment. Or `issuerKeyId`. */
  readonly issuerPrivateKeyPem?: pulumi.Input<string>;
  /** Its Key Vault key id, when the key is in a vault: the command signs the device certificate there. */
  readonly issuerKeyId?: pulumi.Input<string>;
  /** The registration runs again when any of these change: the group's etag and inputs, the CA's thumbprint. */
  readonly triggers: pulumi.Input<unknown>[];
  /** Hub host names the device may land on (the group's hubs); empty or absent: any. */
  readonly expectedHubHostNames?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The group issues device certificates through Azure Device Registry: the device registers with a CSR, and the
   * issued chain must verify up to one of these certificates' roots (the stack's CA certificates, PEM, public).
   */
  readonly issuedCertificateRootsPem?: pulumi.Input<string>;
  /** The project directory (where package.json has the `device` script); default: the directory `pulumi` runs in. */
  readonly projectDir?: pulumi.Input<string>;
}

/**
 * Proves an enrollment group works after `pulumi up` changed it: a throwaway device certificate is issued from the
 * group's CA and registered through DPS with Microsoft's device SDK (`npm run device -- register`), by a
 * `@pulumi/command` local command. A refusal fails the `up`, with DPS's reason in plain words (the command's stderr).
 *
 * The caller orders it after the group (`dependsOn`); the command gets the same `dependsOn`, so it never runs
 * before the group and the CA's verification are in place. It runs on create and whenever `triggers` change; an
 * `up` that changes nothing runs nothing. The key is never on the command line or in its output.
 */
export class SmokeTest extends pulumi.ComponentResource {
  /** The registration command. */
  readonly command: local.Command;
  /** What the registration printed: hub, device id, status. */
  readonly report: pulumi.Output<string>;

  constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:device:SmokeTest", name, {}, opts);
    assertRegistrationId(args.registrationId);
    const create = pulumi
      .all([args.idScope, args.globalEndpoint, args.expectedHubHostNames ?? []])
      .apply(([idScope, globalEndpoint, hubs]) =>
        deviceRegisterCommand({ registrationId: args.registrationId, idScope, globalEndpoint, expectedHubHostNames: hubs, issue: args.issuedCertificateRootsPem !== undefined }),
      );
    this.command = new local.Command(
      `${name}-register`,
      {
        create,
        environment: {
          [ISSUER_CERT_ENV]: args.issuerCertificatePem,
          ...(args.issuerKeyId !== undefined
            ? { [ISSUER_KEY_ID_ENV]: args.issuerKeyId }
            : { [ISSUER_KEY_ENV]: pulumi.secret(args.issuerPrivateKeyPem!) }),
          ...(args.issuedCertificateRootsPem !== undefined ? { [ISSUED_ROOTS_ENV]: args.issuedCertificateRootsPem } : {}),
        },
        triggers: args.triggers,
        dir: args.projectDir,
        logging: "stdoutAndStderr",
        // The previous run's output is not needed, and keeps each run independent.
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: opts?.dependsOn, additionalSecretOutputs: ["environment"] },
    );
    this.report = this.command.stdout;
    this.registerOutputs({ report: this.report });
  }
}
