import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsp, RENDERER_CSP, RENDERER_CSP_HEADER } from '../../../src-main/transport/csp';
import { isAppRendererUrl } from '../../../src-main/transport/renderer-origin';
import { controlCenterWindowOptions } from '../../../src-main/transport/window-options';

const root = resolve(__dirname, '../../..');

describe('window options', () => {
  const options = controlCenterWindowOptions('/app/out/preload/index.js');
  const prefs = options.webPreferences ?? {};

  it('follow the Electron security checklist', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('experimentalFeatures', true);
  });

  it('create the window hidden (shown on ready-to-show) with the given preload', () => {
    expect(options.show).toBe(false);
    expect(prefs.preload).toBe('/app/out/preload/index.js');
  });
});

describe('content security policy', () => {
  it('is the one in the renderer page meta tag', () => {
    const html = readFileSync(resolve(root, 'src-renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(meta?.[1]).toBe(RENDERER_CSP);
  });

  it('allows scripts and everything else from the app itself only', () => {
    const csp = parseCsp(RENDERER_CSP);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const [, sources] of csp) {
      expect(sources).not.toContain("'unsafe-eval'");
      expect(sources).not.toContain('*');
      expect(sources.some((s) => /^https?:/.test(s))).toBe(false);
    }
    expect(csp.get('connect-src')?.every((s) => s === "'self'" || /^ws:\/\/(127\.0\.0\.1|localhost):\*$/.test(s))).toBe(true);
  });

  it('the header is the page policy plus frame-ancestors none', () => {
    const header = parseCsp(RENDERER_CSP_HEADER);
    for (const [name, sources] of parseCsp(RENDERER_CSP)) expect(header.get(name)).toEqual(sources);
    expect(header.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('renderer origin', () => {
  const file = 'file:///Applications/Conveyor.app/Contents/Resources/app/out/renderer/index.html';
  it('is the exact renderer file in a built app', () => {
    expect(isAppRendererUrl(file, file)).toBe(true);
    expect(isAppRendererUrl(`${file}?x=1#/jobs`, file)).toBe(true);
    expect(isAppRendererUrl('file:///tmp/index.html', file)).toBe(false);
    expect(isAppRendererUrl('https://example.com/', file)).toBe(false);
    expect(isAppRendererUrl('not a url', file)).toBe(false);
    expect(isAppRendererUrl(undefined, file)).toBe(false);
  });
  it('is the dev server origin in development', () => {
    expect(isAppRendererUrl('http://localhost:5173/some/page', 'http://localhost:5173/')).toBe(true);
    expect(isAppRendererUrl('http://localhost:5173.evil.com/', 'http://localhost:5173/')).toBe(false);
  });
});

describe('preload bundle', () => {
  it('imports at runtime only electron and zod-free local modules', () => {
    // Walk the preload's runtime import graph (type-only imports are erased by the build).
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
        if (m[1]) continue;
        const spec = m[2] ?? '';
        if (spec.startsWith('.')) visit(resolve(dirname(file), `${spec}.ts`));
        else packages.add(spec);
      }
    };
    visit(resolve(root, 'src-main/preload/index.ts'));
    expect([...packages]).toEqual(['electron']);
    expect([...seen].map((f) => relative(root, f)).sort()).toEqual([
      'src-main/preload/bridge.ts',
      'src-main/preload/index.ts',
      'src-shared/contract-names.ts',
    ]);
  });

  it.runIf(existsSync(resolve(root, 'out/preload/index.js')))('when built, is one CommonJS file that requires only electron', () => {
    const built = readFileSync(resolve(root, 'out/preload/index.js'), 'utf8');
    expect([...built.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(built).not.toMatch(/^\s*(import|export)\s/m);
    expect(built).not.toMatch(/ZodError|\$ZodType|safeParse/);
    expect(built.length).toBeLessThan(20_000);
  });
});
