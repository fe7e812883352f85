/**
 * Just enough of a POSIX shell reader to see what a RUN runs: the command text is split into
 * simple commands (at `&&`, `||`, `;`, `|`, `&`, new lines and parentheses), each into words
 * with quotes removed, leading `NAME=value` assignments and `env`/`export` assignments kept
 * apart. Variables are NOT expanded here (values stay as written). Pure.
 */

export interface SimpleCommand {
  /** Assignments that apply to this command only (`CGO_ENABLED=0 go build`, `env A=1 go …`). */
  assignments: Record<string, string>;
  /** The words of the command, quotes removed. */
  words: string[];
}

export interface ShellScript {
  commands: SimpleCommand[];
}

const ASSIGNMENT_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

type Token = string | { separator: true };

/** Characters that end a simple command, and blanks that end a word. */
const SEPARATORS = '\n;&|()';
const BLANKS = ' \t\r';

/** A quoted or escaped piece of a word: its text, whether it makes a word, and the last index it took. */
interface Quoted {
  text: string;
  word: boolean;
  end: number;
}

/** Reads the escape or quote that starts at `i` (a backslash, ' or "). */
function readQuoted(text: string, i: number): Quoted {
  const c = text[i];
  if (c === '\\') {
    const next = text[i + 1];
    if (next === '\n') return { text: '', word: false, end: i + 1 };
    return next === undefined ? { text: '', word: false, end: i } : { text: next, word: true, end: i + 1 };
  }
  if (c === "'") {
    const close = text.indexOf("'", i + 1);
    const end = close < 0 ? text.length : close;
    return { text: text.slice(i + 1, end), word: true, end };
  }
  // Inside double quotes a backslash escapes only " \ $ ` and the new line (a continuation).
  let word = '';
  let j = i + 1;
  for (; j < text.length && text[j] !== '"'; j++) {
    if (text[j] === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
      if (text[j + 1] !== '\n') word += text[j + 1];
      j++;
    } else word += text[j];
  }
  return { text: word, word: true, end: j };
}

/** Splits text into tokens: words and the separators between commands. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) tokens.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' || c === "'" || c === '"') {
      const quoted = readQuoted(text, i);
      word += quoted.text;
      inWord ||= quoted.word;
      i = quoted.end;
    } else if (c === '#' && !inWord) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (SEPARATORS.includes(c)) {
      endWord();
      tokens.push({ separator: true });
    } else if (BLANKS.includes(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  return tokens;
}

function toCommand(words: string[]): SimpleCommand | undefined {
  const assignments: Record<string, string> = {};
  let i = 0;
  for (; i < words.length; i++) {
    const m = ASSIGNMENT_RE.exec(words[i]!);
    if (!m) break;
    assignments[m[1]!] = m[2]!;
  }
  // `env [-i] [-u NAME] A=1 cmd …`: the assignments are the command's.
  if (words[i] === 'env') {
    i++;
    for (; i < words.length; i++) {
      const w = words[i]!;
      if (w === '-u' || w === '--unset') {
        i++;
        continue;
      }
      if (w.startsWith('-')) continue;
      const m = ASSIGNMENT_RE.exec(w);
      if (!m) break;
      assignments[m[1]!] = m[2]!;
    }
  }
  const rest = words.slice(i);
  if (rest.length === 0 && Object.keys(assignments).length === 0) return undefined;
  return { assignments, words: rest };
}

/** Pure: a shell-form command (or heredoc script) into simple commands. */
export function parseShell(text: string): ShellScript {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  const flush = (): void => {
    const cmd = toCommand(words);
    if (cmd) commands.push(cmd);
    words = [];
  };
  for (const token of tokenize(text)) {
    if (typeof token === 'string') words.push(token);
    else flush();
  }
  flush();
  return { commands };
}

/** Pure: an exec-form command (`["go","build"]`) as one simple command; undefined when not JSON. */
export function parseExecForm(text: string): ShellScript | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === 'string')) return undefined;
    return { commands: [{ assignments: {}, words: parsed }] };
  } catch {
    return undefined;
  }
}

/**
 * Each command of a script with the environment overrides it runs with: its own assignments
 * over what earlier commands exported (`export A=1`, `A=1; export A`, an already exported name
 * re-assigned) and what `go env -w A=1` persisted in Go's env file.
 */
export function commandsWithEnv(script: ShellScript): { cmd: SimpleCommand; env: Record<string, string> }[] {
  const exported: Record<string, string> = {};
  const shellVars: Record<string, string> = {};
  const out: { cmd: SimpleCommand; env: Record<string, string> }[] = [];
  for (const cmd of script.commands) {
    if (cmd.words.length === 0) {
      // `A=1` alone: a shell variable; it reaches child processes only when A is exported.
      for (const [k, v] of Object.entries(cmd.assignments)) {
        shellVars[k] = v;
        if (k in exported) exported[k] = v;
      }
      continue;
    }
    out.push({ cmd, env: { ...exported, ...cmd.assignments } });
    if (cmd.words[0] === 'export') {
      for (const w of cmd.words.slice(1)) {
        const m = ASSIGNMENT_RE.exec(w);
        if (m) exported[m[1]!] = m[2]!;
        else if (w in shellVars) exported[w] = shellVars[w]!;
      }
    }
    const go = goInvocation(cmd);
    if (go && go.subcommand === 'env' && go.args.includes('-w')) {
      for (const w of go.args) {
        const m = ASSIGNMENT_RE.exec(w);
        if (m) exported[m[1]!] = m[2]!;
      }
    }
  }
  return out;
}

export interface GoInvocation {
  /** `build`, `install`, `mod`, `env`, … */
  subcommand: string;
  /** Words after the subcommand. */
  args: string[];
  /** tonistiigi/xx's `xx-go` wrapper: it sets GOOS/GOARCH/GOARM for the target itself. */
  crossWrapper: boolean;
  /** `go -C dir …`: the directory it changes to first. */
  dir?: string;
}

/** Pure: the `go` command a simple command runs, if any (`go`, `/usr/local/go/bin/go`, `xx-go`). */
export function goInvocation(cmd: SimpleCommand): GoInvocation | undefined {
  const [program, ...rest] = cmd.words;
  if (!program) return undefined;
  const base = program.slice(program.lastIndexOf('/') + 1);
  if (base !== 'go' && base !== 'xx-go') return undefined;
  let i = 0;
  let dir: string | undefined;
  // `go -C dir build …` changes directory before the subcommand.
  while (i < rest.length && rest[i] === '-C') {
    dir = rest[i + 1];
    i += 2;
  }
  const subcommand = rest[i];
  if (!subcommand) return undefined;
  return { subcommand, args: rest.slice(i + 1), crossWrapper: base === 'xx-go', ...(dir === undefined ? {} : { dir }) };
}

/** What a go invocation does, for the checks. */
export function goAction(go: GoInvocation): 'build' | 'download' | undefined {
  if (go.subcommand === 'build' || go.subcommand === 'install') return 'build';
  if (go.subcommand === 'mod' && go.args[0] === 'download') return 'download';
  return undefined;
}

/** The value of `-ldflags` (also `--ldflags`, `-ldflags=…`); undefined when not given. */
export function ldflagsOf(go: GoInvocation): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < go.args.length; i++) {
    const w = go.args[i]!;
    const m = /^--?ldflags(?:=(.*))?$/s.exec(w);
    if (!m) continue;
    value = m[1] !== undefined ? m[1] : (go.args[i + 1] ?? '');
  }
  return value;
}
