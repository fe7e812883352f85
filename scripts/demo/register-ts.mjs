// Loaded with `node --import` before the demo: the sources' own `./x.js` imports resolve to
// their `.ts` files (the bench's resolve hook), and Node strips the types as it loads them.
import { register } from 'node:module';

register('../../bench/ts-hooks.mjs', import.meta.url);
