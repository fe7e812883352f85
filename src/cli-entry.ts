import { failureMessage } from './errors.js';
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${failureMessage(error)}\n`);
    process.exitCode = 1;
  },
);
