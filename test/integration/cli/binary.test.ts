import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const built = path.join(root, 'out/main/cli.js');

describe('built binary', () => {
  test('node out/main/cli.js --version prints the package version', async (ctx) => {
    ctx.skip(!existsSync(built), 'out/main/cli.js does not exist: run npm run build first');
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await promisify(execFile)(process.execPath, [built, '--version'], { cwd: root });
    expect(stdout).toBe(`${version}\n`);
  });
});
