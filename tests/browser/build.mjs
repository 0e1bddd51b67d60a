// Bundles src/app.jsx (the published @flowglad/react, react, react-dom) into dist/app.js.
// Run: node build.mjs (after `npm ci`).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

await build({
  entryPoints: [join(here, 'src', 'app.jsx')],
  outfile: join(here, 'dist', 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  minify: false,
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`built ${join(here, 'dist', 'app.js')}`);
