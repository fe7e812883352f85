/** Dockerfile text into the model (see model.ts), on top of dockerfile-ast. */
import { DockerfileParser, type Instruction, type Flag as AstFlag } from 'dockerfile-ast';
import { parseMount } from './mounts.js';
import type {
  ArgDeclaration,
  Directive,
  DockerfileModel,
  EnvDeclaration,
  HeredocModel,
  InstructionModel,
  RunDetails,
  Stage,
} from './types.js';

function astFlags(ins: Instruction): AstFlag[] {
  const withFlags = ins as Instruction & { getFlags?: () => AstFlag[] };
  return typeof withFlags.getFlags === 'function' ? withFlags.getFlags() : [];
}

/** Cuts text out of the Dockerfile by 0-based line and character positions (dockerfile-ast ranges). */
type Slicer = (startLine: number, startChar: number, endLine: number, endChar: number) => string;

function slicer(text: string): Slicer {
  const lines = text.split(/\r\n|\r|\n/);
  return (startLine, startChar, endLine, endChar) => {
    if (startLine === endLine) return (lines[startLine] ?? '').slice(startChar, endChar);
    const parts = [(lines[startLine] ?? '').slice(startChar)];
    for (let l = startLine + 1; l < endLine; l++) parts.push(lines[l] ?? '');
    parts.push((lines[endLine] ?? '').slice(0, endChar));
    return parts.join('\n');
  };
}

/** Pure: parses Dockerfile text into the model. Never throws on odd input. */
export function parseDockerfile(text: string): DockerfileModel {
  const ast = DockerfileParser.parse(text);
  const slice = slicer(text);
  const directives: Directive[] = ast.getDirectives().map((d) => ({
    name: (d.getName() ?? '').toLowerCase(),
    value: d.getValue() ?? '',
    line: d.getRange().start.line + 1,
  }));
  const instructions: InstructionModel[] = [];
  const stages: Stage[] = [];
  const globalArgs: ArgDeclaration[] = [];
  for (const ins of ast.getInstructions()) {
    const model = instructionModel(ins, stages.length - 1, slice);
    if (model.keyword === 'FROM') {
      const stage = fromStage(ins, model, stages.length);
      stages.push(stage);
      model.stageIndex = stage.index;
    }
    const stage = stages[stages.length - 1];
    declare(model, stage, globalArgs);
    if (model.keyword === 'RUN') model.run = runDetails(ins, model, slice);
    instructions.push(model);
    if (stage) {
      stage.instructions.push(model);
      stage.endLine = model.endLine;
    }
  }
  return { escapeChar: ast.getEscapeCharacter(), directives, globalArgs, stages, instructions };
}

function instructionModel(ins: Instruction, stageIndex: number, slice: Slicer): InstructionModel {
  const range = ins.getRange();
  return {
    keyword: ins.getKeyword().toUpperCase(),
    line: range.start.line + 1,
    endLine: range.end.line + 1,
    stageIndex,
    flags: astFlags(ins).map((f) => ({ name: f.getName(), value: f.getValue() ?? undefined })),
    args: ins.getArgumentsContent() ?? '',
    text: slice(range.start.line, range.start.character, range.end.line, range.end.character),
  };
}

/** The stage a FROM instruction starts. */
function fromStage(ins: Instruction, model: InstructionModel, index: number): Stage {
  const from = ins as Instruction & { getImage(): string | null; getBuildStage(): string | null };
  // The image is the first argument after the flags; dockerfile-ast's getImage() keeps it as written.
  return {
    index,
    name: from.getBuildStage()?.toLowerCase() ?? undefined,
    baseImage: from.getImage() ?? '',
    platform: model.flags.find((f) => f.name === 'platform')?.value,
    line: model.line,
    endLine: model.endLine,
    instructions: [],
    args: [],
    env: [],
  };
}

/** Records what an ARG or ENV declares: in the stage, or (ARG before the first FROM) globally. */
function declare(model: InstructionModel, stage: Stage | undefined, globalArgs: ArgDeclaration[]): void {
  if (model.keyword === 'ARG') {
    for (const decl of argDeclarations(model.args)) {
      const full = { ...decl, line: model.line };
      if (stage) stage.args.push(full);
      else globalArgs.push(full);
    }
  }
  if (model.keyword === 'ENV' && stage) {
    for (const decl of envDeclarations(model.args)) stage.env.push({ ...decl, line: model.line });
  }
}

type AstHeredoc = {
  getName(): string;
  getStartRange(): { start: { line: number } };
  getContentRange(): { start: { line: number; character: number }; end: { line: number; character: number } } | null;
};

function runDetails(ins: Instruction, model: InstructionModel, slice: Slicer): RunDetails {
  const run = ins as Instruction & { getHeredocs(): AstHeredoc[] };
  const heredocs: HeredocModel[] = run.getHeredocs().map((h) => {
    const content = h.getContentRange();
    return {
      name: h.getName(),
      content: content ? slice(content.start.line, content.start.character, content.end.line, content.end.character) : '',
      line: h.getStartRange().start.line + 1,
    };
  });
  const command = model.args.trim();
  return {
    mounts: model.flags.filter((f) => f.name === 'mount' && f.value !== undefined).map((f) => parseMount(f.value!)),
    network: model.flags.find((f) => f.name === 'network')?.value,
    security: model.flags.find((f) => f.name === 'security')?.value,
    heredocs,
    command,
    execForm: command.startsWith('['),
  };
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
    return value.slice(1, -1);
  }
  return value;
}

/** Splits on unquoted whitespace (ARG/ENV key=value lists). */
function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      current += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (/\s/.test(c)) {
      if (current) out.push(current);
      current = '';
    } else current += c;
  }
  if (current) out.push(current);
  return out;
}

function argDeclarations(args: string): Omit<ArgDeclaration, 'line'>[] {
  return words(args).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? { name: w } : { name: w.slice(0, eq), defaultValue: unquote(w.slice(eq + 1)) };
  });
}

function envDeclarations(args: string): Omit<EnvDeclaration, 'line'>[] {
  const list = words(args);
  // Legacy form `ENV NAME value with spaces`.
  if (list.length > 0 && !list[0]!.includes('=')) {
    const name = list[0]!;
    return [{ name, value: args.trim().slice(name.length).trim() }];
  }
  return list.map((w) => {
    const eq = w.indexOf('=');
    return { name: w.slice(0, eq), value: unquote(w.slice(eq + 1)) };
  });
}
