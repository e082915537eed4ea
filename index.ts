/** The Pulumi program: load and check the stack config, declare the whole set-up, export its outputs. */
import { loadStackConfig } from "./components/config";
import { DpsX509, stackOutputs } from "./components/dpsX509";

const config = loadStackConfig();
export = stackOutputs(new DpsX509("dps-x509", { config }));
