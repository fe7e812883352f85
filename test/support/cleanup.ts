// A setup file (vitest.config.ts): runs in every test file.
import { afterAll } from 'vitest';
import { removeTestImages } from './stack.js';
import { removeTempDirs } from './temp.js';

afterAll(() => {
  removeTempDirs();
  removeTestImages();
});
