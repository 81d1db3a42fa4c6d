// Lets `tsx` (bench, examples) load `import src from './x.lua?raw'` as vite does: as the file's text.
// Without it tsx resolves the id to `x.lua?raw=` and runs the Lua as a CommonJS module, yielding {}.
const { readFileSync } = require('node:fs');

const loadText = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename.replace(/\?.*$/, ''), 'utf8') };
};
for (const ext of ['.lua', '.lua?raw', '.lua?raw=']) require.extensions[ext] = loadText;
