/**
 * Web mode smoke test: the built control center, served by the web transport
 * against a real control core and Redis, loads in Chromium and its API client
 * reaches the core over the WebSocket (`connection.status` says connected).
 */
import { expect, test } from './fixtures';

test('the control center loads from the tokenised URL and reports Redis connected', async ({ page, webApp }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Failed requests are checked below by URL (the browser's own /favicon.ico probe 404s).
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico') problems.push(`${res.status()} for ${res.url()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));

  const response = await page.goto(webApp.url);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page).toHaveTitle('Conveyor');
  await expect(page.getByTestId('connection-state')).toHaveText('connected');
  // The client keeps the token in sessionStorage and takes it out of the address bar.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);

  // A reload works without the token in the URL: the cookie serves the page, sessionStorage the socket.
  await page.reload();
  await expect(page.getByTestId('connection-state')).toHaveText('connected');
  expect(problems).toEqual([]);
});

test('without the token the page is refused', async ({ page, webApp }) => {
  const response = await page.goto(webApp.origin);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('token');
});

test('another origin cannot open the WebSocket, even with the token', async ({ page, webApp }) => {
  const token = new URL(webApp.url).searchParams.get('token') ?? '';
  const wsUrl = `${webApp.origin.replace('http', 'ws')}/ws?token=${token}`;
  const tryOpen = (url: string): Promise<string> =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        resolve('open');
        ws.close();
      };
      ws.onerror = () => resolve('refused');
    });
  // about:blank has an opaque origin ("null"), never the server's own.
  await page.goto('about:blank');
  expect(await page.evaluate(tryOpen, wsUrl)).toBe('refused');
  // The same socket from the app's own page opens.
  await page.goto(webApp.url);
  expect(await page.evaluate(tryOpen, wsUrl)).toBe('open');
});
