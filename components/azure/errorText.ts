/** Azure's error messages, kept whole for people to read. */

/** A message with every line kept, carriage returns and trailing blanks removed. */
export function wholeMessage(message: string): string {
  return message.replace(/\r/g, "").split("\n").map((line) => line.trimEnd()).join("\n").trim();
}
