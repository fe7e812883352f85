// A setup file (vitest.config.ts): runs in every test file.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

afterAll(removeTempDirs);
