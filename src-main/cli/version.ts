import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Conveyor's version, from the package.json above this file: two levels up
 * both from src-main/cli/ (tests, tsx) and from out/main/ (the build), so it
 * walks up instead of assuming either.
 */
export function packageVersion(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'conveyor' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here: keep walking
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
