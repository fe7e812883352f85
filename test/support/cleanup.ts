// A setup file (vitest.config.ts): runs in every test file.
import { afterAll } from 'vitest';
import { removeTestImages } from './stack.ts';
import { removeTempDirs } from './temp.ts';

afterAll(() => {
  removeTempDirs();
  removeTestImages();
});
