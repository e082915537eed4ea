/** The options of `npm run device -- register`: its usage text and their parsing. */
import { parseArgs } from "util";
import { ISSUED_ROOTS_ENV, ISSUER_CERT_ENV, ISSUER_KEY_ENV, ISSUER_KEY_ID_ENV } from "../../components/resources/smokeTestCommand";
import { UsageError } from "../cliArgs";

export const DEFAULT_GLOBAL_ENDPOINT = "global.azure-devices-provisioning.net";

export const USAGE = `usage: npm run device -- register [options]

Where the DPS is:
  --id-scope <scope>          the DPS's ID scope (\`pulumi stack output idScope\`)
  --stack <name>              read idScope and globalDeviceEndpoint from the stack's outputs instead
  --global-endpoint <host>    the global device endpoint (default ${DEFAULT_GLOBAL_ENDPOINT})

The device's certificate, from files:
  --cert <file>               the device certificate, better its full chain leaf first (<id>.fullchain.pem)
  --key <file>                its private key (<id>.key.pem)
  --registration-id <id>      optional: must be the certificate's CN, which is the default
or issued now from an intermediate (RSA-2048, valid one day, sent with the intermediate):
  --issuer-cert <file> --issuer-key <file> --registration-id <id>
  --issuer-cert <file> --issuer-key-id <Key Vault key id> --registration-id <id>   signed in Key Vault
  --issuer-from-env --registration-id <id>    the issuer from ${ISSUER_CERT_ENV} and ${ISSUER_KEY_ENV}
                                              (or ${ISSUER_KEY_ID_ENV}, a Key Vault key id)

Azure Device Registry issuance (the enrollment names a namespace, CA and policy; the certificate above is the
device's onboarding credential):
  --issue                     make a P-384 key and a CSR (CN = registration id), register at device API 2026-11-01,
                              verify the issued chain with OpenSSL up to the stack's root, connect to the assigned hub
  --root-cert <file>          the stack's root (default with --stack: its self-signed caCertificates outputs;
                              else the self-signed ones in ${ISSUED_ROOTS_ENV}, as the smoke test passes them)
  --out <dir>                 write <id>.issued.fullchain.pem and <id>.issued.key.pem (mode 0600) there
  --skip-connect              do not connect to the hub

  --expect-hub <host>         fail unless the device lands on this hub (repeat for any of several)
  --attempts <n>              try up to n times (default 1): a CA verified or a group changed seconds ago
                              may take a moment to reach every DPS node
  --retry-delay <seconds>     wait between attempts (default 10)
  --json                      print the outcome as JSON

Exit codes: 0 registered, 1 refused (or the credentials are wrong, or the stack's outputs cannot be read), 2 usage.
`;


export function parseRegisterArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "id-scope": { type: "string" },
        stack: { type: "string" },
        "global-endpoint": { type: "string" },
        cert: { type: "string" },
        key: { type: "string" },
        "registration-id": { type: "string" },
        "issuer-cert": { type: "string" },
        "issuer-key": { type: "string" },
        "issuer-key-id": { type: "string" },
        "issuer-from-env": { type: "boolean" },
        "expect-hub": { type: "string", multiple: true },
        attempts: { type: "string" },
        "retry-delay": { type: "string" },
        json: { type: "boolean" },
        issue: { type: "boolean" },
        "root-cert": { type: "string" },
        out: { type: "string" },
        "skip-connect": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split(/\. |\n/)[0]);
  }
}

export type RegisterValues = ReturnType<typeof parseRegisterArgs>;

