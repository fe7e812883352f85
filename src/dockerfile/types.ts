/** The shapes of the parsed Dockerfile model (see model.ts). Lines are 1-based. */

export interface DockerfileModel {
  /** The escape character (`\` unless a `# escape=` directive says otherwise). */
  escapeChar: string;
  /** Parser directives at the top (`# syntax=…`, `# escape=…`, `# check=…`), names lower-cased. */
  directives: Directive[];
  /** ARGs before the first FROM: visible to FROM lines, and to stages that re-declare them. */
  globalArgs: ArgDeclaration[];
  stages: Stage[];
  /** Every instruction in file order (global ARGs and stage instructions alike). */
  instructions: InstructionModel[];
}

export interface Directive {
  name: string;
  value: string;
  line: number;
}

export interface ArgDeclaration {
  name: string;
  /** The default as written (unexpanded); undefined for `ARG NAME`. */
  defaultValue?: string;
  line: number;
}

export interface EnvDeclaration {
  name: string;
  /** The value as written (unexpanded). */
  value: string;
  line: number;
}

export interface Stage {
  /** 0-based position among the FROM lines (BuildKit also accepts it as a stage name). */
  index: number;
  /** The `AS name`, lower-cased as BuildKit treats it; undefined when unnamed. */
  name?: string;
  /** The base image as written, e.g. `${GO_IMAGE}` or `golang:1.24-alpine` or another stage's name. */
  baseImage: string;
  /** The `--platform` value as written, e.g. `$BUILDPLATFORM`. */
  platform?: string;
  /** The FROM line. */
  line: number;
  /** The last line of the stage's last instruction. */
  endLine: number;
  /** The stage's instructions, FROM first. */
  instructions: InstructionModel[];
  args: ArgDeclaration[];
  env: EnvDeclaration[];
}

export interface FlagModel {
  /** The flag name without dashes, e.g. `mount`, `from`, `platform`, `chmod`. */
  name: string;
  /** The value as written; undefined for a bare `--flag`. */
  value?: string;
}

export interface InstructionModel {
  /** Upper-cased keyword: RUN, COPY, FROM, … */
  keyword: string;
  line: number;
  endLine: number;
  /** Index of the stage it belongs to; -1 for instructions before the first FROM. */
  stageIndex: number;
  flags: FlagModel[];
  /** The arguments after the flags, as written (line continuations joined; heredoc bodies included). */
  args: string;
  /** The full instruction as written. */
  text: string;
  /** Present for RUN. */
  run?: RunDetails;
}

export interface RunDetails {
  mounts: MountSpec[];
  /** `--network=…` */
  network?: string;
  /** `--security=…` */
  security?: string;
  heredocs: HeredocModel[];
  /** The command (shell form) or JSON array text (exec form), without flags. */
  command: string;
  /** The exec form (`RUN ["a","b"]`). */
  execForm: boolean;
}

export interface HeredocModel {
  /** The delimiter word, e.g. `EOF`. */
  name: string;
  /** The body lines joined with `\n` (without the closing delimiter). */
  content: string;
  /** The line of the `<<EOF` marker. */
  line: number;
}

/** Mount types BuildKit knows; others are kept as written. */
export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

/**
 * One `--mount=…` of a RUN, options as written (variables unexpanded): use `resolveMount`
 * to expand them in a stage's scope.
 */
export interface MountSpec {
  /** Default `bind`, as in BuildKit. */
  type: MountType | (string & {});
  /** `target`/`dst`/`destination`. */
  target?: string;
  /** Cache id; BuildKit defaults it to the target. */
  id?: string;
  /** `shared` (default for cache), `private` or `locked`. */
  sharing?: string;
  uid?: string;
  gid?: string;
  mode?: string;
  from?: string;
  /** `source`/`src`. */
  source?: string;
  /** `ro`/`readonly` (true), `rw`/`readwrite` (false); undefined when not given. */
  readonly?: boolean;
  required?: boolean;
  size?: string;
  /** Every option as written, keys lower-cased (aliases kept as written). */
  options: Record<string, string>;
  /** The flag value as written. */
  raw: string;
}
