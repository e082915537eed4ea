/** The Pulumi program: load and check the stack config, declare the stack, export its outputs. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadStackConfig } from "./components/config";
import { declareProgram } from "./components/program";

export = declareProgram(loadStackConfig()).catch((err: unknown) => {
  // A config problem found against the platform's outputs: Pulumi prints a RunError's message without a stack trace.
  throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
});
