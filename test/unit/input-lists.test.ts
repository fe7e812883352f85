import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { INPUT_NAMES, INPUTS, listInput, listItems, type ListInputName, type ListKind } from '../../src/input-table.js';

const LIST_KINDS: ListKind[] = ['list', 'lines', 'csv-list', 'csv-lines', 'secret-lines'];
const listNames = INPUT_NAMES.filter((n): n is ListInputName => (LIST_KINDS as string[]).includes(INPUTS[n].kind));
const ofKind = (kind: ListKind): ListInputName[] => listNames.filter((n) => INPUTS[n].kind === kind);

describe('a list input is split as its kind in the input table says', () => {
  it.each<[ListKind, string, string[]]>([
    ['list', 'a, b\nc\n# a comment\n\n', ['a', 'b', 'c']],
    ['list', '"a,b"', ['"a', 'b"']],
    ['lines', 'a,b\n  c  \n# a comment\n', ['a,b', 'c']],
    ['lines', '"a\nb"', ['"a', 'b"']],
    ['csv-list', '"a,b",c\nd\n# a comment', ['a,b', 'c', 'd']],
    ['csv-list', 'a,b', ['a', 'b']],
    ['csv-lines', '"a\nb"\nc,d\n# a comment', ['a\nb', 'c,d']],
    ['secret-lines', 'id= spaced value \n"id2=line 1\nline 2"\n# a comment', ['id= spaced value ', 'id2=line 1\nline 2']],
  ])('%s: %j', (kind, raw, expected) => {
    const names = ofKind(kind);
    expect(names.length, `an input of kind ${kind}`).toBeGreaterThan(0);
    for (const name of names) expect(listItems(name, raw), name).toEqual(expected);
  });

  it.each([
    ['secrets', 'secret-lines'],
    ['secret-files', 'csv-lines'],
    ['secret-envs', 'csv-list'],
    ['ssh', 'csv-list'],
    ['build-contexts', 'csv-lines'],
    ['annotations', 'csv-lines'],
    ['add-hosts', 'csv-list'],
    ['ulimit', 'csv-lines'],
    ['platforms', 'list'],
    // One line each: a metadata-action rule (type=…) holds commas; parseTagsInput splits plain references on commas.
    ['tags', 'lines'],
    ['flavor', 'lines'],
    ['images', 'list'],
    ['go-private', 'list'],
    ['compose-service', 'list'],
    ['size-budget', 'list'],
    ['size-budget-increase', 'list'],
    ['cache-from', 'lines'],
    ['cache-to', 'lines'],
    ['compose-file', 'lines'],
    ['smoke-probes', 'lines'],
  ])('%s is of kind %s (build-push-action reads its list inputs as CSV)', (name, kind) => {
    expect(INPUTS[name as ListInputName].kind).toBe(kind);
  });

  it('names the input and its form when a CSV quote is never closed, and the plain kinds keep quotes as text', () => {
    for (const name of listNames.filter((n) => INPUTS[n].kind.includes('-'))) {
      expect(() => listItems(name, '"open', 'the form'), name).toThrow(InputError);
      expect(() => listItems(name, '"open', 'the form'), name).toThrow(/item 1 opens a quote that is never closed\. Expected the form\./);
    }
    for (const name of [...ofKind('list'), ...ofKind('lines')]) expect(listItems(name, '"open'), name).toEqual(['"open']);
  });

  it('listInput reads the input by its name and splits it by its kind', () => {
    const read = (name: string): string => (name === 'images' ? 'a,b' : name === 'cache-to' ? 'type=gha,mode=max' : '');
    expect(listInput(read, 'images')).toEqual(['a', 'b']);
    expect(listInput(read, 'cache-to')).toEqual(['type=gha,mode=max']);
    expect(listInput(read, 'add-hosts')).toEqual([]);
  });
});
