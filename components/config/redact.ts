/**
 * Removes keys carried in URL query values from any text before it is shown: `code=` (an Azure Functions key, as in a
 * custom allocation webhook URL) and `sig=` (a SAS signature). Shared by config messages and by the Azure clients'
 * `redact` (components/azure/dpsServiceClient.ts), so no message or log shows a webhook's function key.
 */
// A value written as a placeholder (`code=<function-key>`, in fix commands) is left as it is.
const KEYED_QUERY_VALUE = /([?&;](?:code|sig|x-functions-key)=)(?!<)[^&\s"',;)]+/gi;

export function redactSecretQueryValues(text: string): string {
  return String(text).replace(KEYED_QUERY_VALUE, "$1***");
}

/** Whether a URL carries a key in its query (`code=`, `sig=`): then it must be a secret. */
export function urlCarriesKey(url: string): boolean {
  return /[?&](?:code|sig|x-functions-key)=[^&\s]+/i.test(url);
}
