import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate } from './pglite-template.mjs';

/** Once per `vitest run`: the initdb'd PGlite template every new test store starts from (see setup.ts). */
export default async function setup(project: TestProject) {
  project.provide('pgliteTemplate', await buildPgliteTemplate());
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
