/**
 * What a container's health-check log says, for people: the last probe's output, and when the
 * engine could not run the command at all (a `wget`/`curl` or a CMD-SHELL health check in a
 * scratch or distroless image), why and what to do instead. Captured from engine 26:
 * `OCI runtime exec failed: exec failed: unable to start container process: exec: "wget":
 * executable file not found in $PATH: unknown` (exit -1), and for CMD-SHELL
 * `… exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown`.
 */
import type { HealthProbe } from '../docker/containers.js';
import { clip } from '../util/text.js';

export type { HealthProbe };

/** The longest piece of a health-check output quoted in a reason. */
export const MAX_HEALTH_OUTPUT = 300;

/** The ways runc, crun and containerd say the command does not exist in the image. */
const MISSING_COMMAND: readonly RegExp[] = [
  /exec: "([^"]+)": executable file not found in \$PATH/,
  /exec: "([^"]+)": stat \S+: no such file or directory/,
  /executable file [`'"]([^`'"]+)[`'"] not found in \$PATH/,
];

/** Pure: the command the engine could not find in the image, from a health-check output. */
export function missingHealthCommand(output: string): string | undefined {
  for (const re of MISSING_COMMAND) {
    const m = re.exec(output);
    if (m) return m[1];
  }
  return undefined;
}

const ALTERNATIVES =
  'use the action\'s smoke-probes input (HTTP probes from the runner, on a published port) or give the binary a health flag (HEALTHCHECK CMD ["/app", "-health"])';

/** Pure: why a health check cannot run without the command it calls, and what works instead. */
export function missingCommandHint(command: string): string {
  const shellLess = '(a shell-less image such as scratch or distroless)';
  if (/(^|\/)(ba|da|a)?sh$/.test(command))
    return `the image has no shell (${command}) to run a CMD-SHELL health check ${shellLess}: ${ALTERNATIVES}`;
  // A tool looked up in $PATH (wget, curl) is what shell-less images lack; a path is the image's own.
  return `the image has no ${command}${command.includes('/') ? '' : ` ${shellLess}`}: ${ALTERNATIVES}`;
}

/**
 * Pure: what the last probe of a health log says, or undefined without one: the exact
 * output, and, when the command cannot run in the image, a hint.
 */
export function describeLastProbe(log: readonly HealthProbe[]): { cannotRun: boolean; text: string } | undefined {
  const last = log.at(-1);
  if (!last) return undefined;
  const output = clip(last.output, MAX_HEALTH_OUTPUT);
  const command = missingHealthCommand(last.output);
  if (command !== undefined) return { cannotRun: true, text: `${output}; ${missingCommandHint(command)}` };
  return { cannotRun: false, text: `exit ${last.exitCode}${output ? `: ${output}` : ''}` };
}
