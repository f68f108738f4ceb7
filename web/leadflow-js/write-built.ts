import { writeFileSync } from 'node:fs';
import { buildLeadflowJs, builtModule } from './build';

/** `npm run build:snippet`: rebuilds leadflow.js into built.ts, which the serving function ships. */
const script = await buildLeadflowJs();
writeFileSync(new URL('./built.ts', import.meta.url), builtModule(script));
console.log(`leadflow.js: ${script.length} bytes written to web/leadflow-js/built.ts`);
