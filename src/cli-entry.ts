import { failureMessage } from './errors.js';
import { main } from './cli.js';
import { runStep } from './util/cancel.js';

void runStep(async (cancellation) => {
  try {
    process.exitCode = await main(process.argv.slice(2), cancellation);
  } catch (error) {
    process.stderr.write(`error: ${failureMessage(error)}\n`);
    process.exitCode = 1;
  }
});
