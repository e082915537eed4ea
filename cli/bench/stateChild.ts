/**
 * The child's side of a bench that measures state (cli/bench/state.ts) in a child process (inChild.ts). A module of
 * its own: it loads state.ts, which imports inChild.ts, so in inChild.ts it would make an import circle.
 */

/** Runs `measure`, prints its figures as JSON, closes the state bench's Entra stand-in and ends the process. */
export function printStateFiguresAndExit(measure: () => Promise<object>): void {
  measure()
    .then((figures) => {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      // End here whatever else the local servers left open: the figures are out.
      return import("./state").then(({ closeStateServers }) => closeStateServers()).finally(() => process.exit(0));
    })
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    });
}
