import type { SmokeInputs } from './inputs.js';

/** The smoke test, checked before the build. */
export interface SmokeSetup {
  inputs: SmokeInputs;
  /** A compose project name of this run's own, so parallel jobs never collide. */
  projectName: string;
  cwd: string;
  /** The services that run the image just built. */
  underTest: string[];
  /** Every service compose starts a container for. */
  expected: string[];
  /** The engine's own platform: the image under test is built for it. */
  platform: string;
}
