/**
 * The shell command a SmokeTest runs, and the environment variables through which the issuer reaches it. Pure: shared
 * by components/smokeTest.ts (which declares the command) and cli/device.ts (which reads the variables).
 */

/** The issuing CA's certificate (PEM), for `device register --issuer-from-env`. */
export const ISSUER_CERT_ENV = "DPS_X509_ISSUER_CERT_PEM";
/** The issuing CA's private key (PEM): a secret, passed only in the environment. */
export const ISSUER_KEY_ENV = "DPS_X509_ISSUER_KEY_PEM";

export interface DeviceRegisterCommand {
  readonly registrationId: string;
  readonly idScope: string;
  readonly globalEndpoint: string;
  /** Hub host names the device may be assigned to; empty: any. */
  readonly expectedHubHostNames?: readonly string[];
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
    ...(c.expectedHubHostNames ?? []).flatMap((hub) => ["--expect-hub", hub]),
  ];
  return `npm run --silent device -- ${args.map(shellQuote).join(" ")}`;
}
