/**
 * Shape checks for JSON from outside (a file another job wrote): each helper returns the value
 * when it is of the promised shape and within its bound, else throws ShapeError naming the field.
 */
import { isRecord } from './json.js';

/** A field that is not what the document promises; the message names it. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) throw new ShapeError(`${what} is not a string of at most ${max} characters`);
  return value;
}

export function optionalText(value: unknown, what: string, max: number): string | undefined {
  return value === undefined ? undefined : text(value, what, max);
}

export function nullableText(value: unknown, what: string, max: number): string | null {
  return value === null ? null : text(value, what, max);
}

/** A list of at most `max` items, each read by `item`. */
export function list<T>(value: unknown, what: string, max: number, item: (v: unknown, what: string) => T): T[] {
  if (!Array.isArray(value) || value.length > max) throw new ShapeError(`${what} is not a list of at most ${max}`);
  return value.map((v, i) => item(v, `${what}[${i}]`));
}

export function texts(value: unknown, what: string, maxItems: number, maxChars: number): string[] {
  return list(value, what, maxItems, (v, w) => text(v, w, maxChars));
}

/** A whole number within ±2^53 (negative ones only when `signed`). */
export function integer(value: unknown, what: string, signed = false): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (!signed && value < 0))
    throw new ShapeError(`${what} is not a${signed ? 'n integer' : ' byte count'}`);
  return value;
}

export function nullableInteger(value: unknown, what: string, signed = false): number | null {
  return value === null ? null : integer(value, what, signed);
}

export function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new ShapeError(`${what} is not true or false`);
  return value;
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ShapeError(`${what} is not an object`);
  return value;
}

/** One of a few words. */
export function oneOf<T extends string>(value: unknown, what: string, words: readonly T[]): T {
  if (!words.includes(value as T)) throw new ShapeError(`${what} is not ${words.join(', ')}`);
  return value as T;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function digest(value: unknown, what: string): string {
  if (typeof value !== 'string' || !DIGEST.test(value)) throw new ShapeError(`${what} is not a sha256 digest`);
  return value;
}
