// `node --import ./bench/ts-register.mjs x.ts`: runs TypeScript sources directly (the cache
// worker started from the sources, in unit tests and the bench), with the hooks of ts-hooks.mjs.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
