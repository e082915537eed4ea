/**
 * The shell command a SmokeTest runs, and the environment variables through which the issuer reaches it. Pure: shared
 * by components/resources/smokeTest.ts (which declares the command) and cli/device.ts (which reads the variables).
 */

/** The issuing CA's certificate (PEM), for `device register --issuer-from-env`. */
export const ISSUER_CERT_ENV = "DPS_X509_ISSUER_CERT_PEM";
/** The issuing CA's private key (PEM): a secret, passed only in the environment. */
export const ISSUER_KEY_ENV = "DPS_X509_ISSUER_KEY_PEM";
/** Or the issuing CA's Key Vault key id (with version), when its key is in a vault: the device is signed there. */
export const ISSUER_KEY_ID_ENV = "DPS_X509_ISSUER_KEY_ID";

/**
 * The stack's CA certificates (PEM, public), for `device register --issue`: the issued chain of an enrollment with
 * Device Registry names must verify up to one of their roots (the self-signed ones).
 */
export const ISSUED_ROOTS_ENV = "DPS_X509_ISSUED_ROOTS_PEM";

/** How often, and how far apart, the smoke test tries before it fails the `up`. */
export const SMOKE_TEST_ATTEMPTS = 4;
export const SMOKE_TEST_RETRY_DELAY_SECONDS = 15;

export interface DeviceRegisterCommand {
  readonly registrationId: string;
  readonly idScope: string;
  readonly globalEndpoint: string;
  /** Hub host names the device may be assigned to; empty: any. */
  readonly expectedHubHostNames?: readonly string[];
  /** Default SMOKE_TEST_ATTEMPTS. */
  readonly attempts?: number;
  /** Default SMOKE_TEST_RETRY_DELAY_SECONDS. */
  readonly retryDelaySeconds?: number;
  /** The group issues through Device Registry: register with a CSR, check the chain, connect to the hub (`--issue`). */
  readonly issue?: boolean;
}

/** POSIX shell single-quoting: 'it'\''s'. */
export function shellQuote(value: string): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/**
 * `npm run --silent device -- register …` with a throwaway certificate issued from the CA in the environment. Only
 * public values are on the command line (it shows in the preview and in logs); the key never is.
 */
export function deviceRegisterCommand(c: DeviceRegisterCommand): string {
  const args = [
    "register",
    "--issuer-from-env",
    "--registration-id", c.registrationId,
    "--id-scope", c.idScope,
    "--global-endpoint", c.globalEndpoint,
    ...(c.issue ? ["--issue"] : []),
    ...(c.expectedHubHostNames ?? []).flatMap((hub) => ["--expect-hub", hub]),
    // Right after `up` verified a CA or wrote the group, DPS may take a moment to serve it everywhere.
    "--attempts", String(c.attempts ?? SMOKE_TEST_ATTEMPTS),
    "--retry-delay", String(c.retryDelaySeconds ?? SMOKE_TEST_RETRY_DELAY_SECONDS),
  ];
  return `npm run --silent device -- ${args.map(shellQuote).join(" ")}`;
}
