/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against the whole
 * local pipeline: an event POSTed to the ingest URL is found by a search in the console, an event
 * POSTed while the live tail runs arrives in it, and the page is saved as a screenshot
 * (test/e2e/artifacts/console.png, gitignored).
 */
import './env.ts';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { addTenant, post, runTag, sleep } from './support.ts';

process.env.SLUICE_TAIL_WAIT_MS = '5000';
process.env.SLUICE_TAIL_POLL_MS = '250';

const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let p: Pipeline;
let browser: BrowserContext;
let profile: string;
const tag = runTag();
const tenant = `${tag}-console`;
let ingestToken = '';
let readToken = '';

async function send(message: string, level: string): Promise<void> {
  const a = await post(`${p.url}/v1/logs`, JSON.stringify({ level, message, host: 'web-1' }) + '\n', { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/x-ndjson' });
  expect(a.status).toBe(202);
}

/** Polls the read API until the search finds `marker` (the pipeline indexes within seconds). */
async function indexed(marker: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`${p.url}/v1/search?q=${encodeURIComponent(`"${marker}"`)}&from=1h`, { headers: { authorization: `Bearer ${readToken}` } });
    if (r.ok && ((await r.json()) as { events: unknown[] }).events.length > 0) return;
    await sleep(500);
  }
  throw new Error(`${marker} was not indexed within a minute`);
}

beforeAll(async () => {
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, retryMaxMs: 2_000, demoTenant: false, log: (m) => process.stderr.write(`${m}\n`) });
  ingestToken = await addTenant(tenant, 'standard');
  readToken = await new DynamoTenantStore().issueToken(tenant, 'read');
  profile = mkdtempSync(join(tmpdir(), 'sluice-console-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await p?.stop({ finalArchive: false });
});

async function searchFor(page: Page, q: string): Promise<void> {
  await page.fill('#q', q);
  await page.click('#search');
}

describe('the web console in headless Chromium', () => {
  it('finds a posted event, shows the histogram and top templates, tails a new event, and saves a screenshot', async () => {
    const searched = `console-search-${tag}`;
    await send(`payment ${searched} failed for order 42`, 'error');
    await indexed(searched);

    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${p.url}/console`);
    await page.fill('#token', readToken);
    await searchFor(page, `"${searched}"`);
    await page.locator('#results tbody tr', { hasText: searched }).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.locator('#results tbody tr td.lvl-error').count()).toBe(1);

    // The summaries and the template state are written by the same process batch: search again until they show.
    for (let i = 0; i < 30 && ((await page.locator('#histogram .seg').count()) === 0 || (await page.locator('#templates li').count()) === 0); i++) {
      await sleep(1_000); // a search is 3 queries: stay under the plan's 5 a second
      await searchFor(page, '');
    }
    expect(await page.locator('#histogram .seg[data-level="error"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#templates li').count()).toBeGreaterThan(0);

    const tailed = `console-tail-${tag}`;
    await page.fill('#q', ''); // the tail follows the query box: every new event
    await page.check('#tail-toggle');
    await page.locator('#tail-state', { hasText: 'live' }).waitFor({ timeout: 30_000 }); // the tail holds its cursor
    await send(`user ${tailed} logged in`, 'info');
    await page.locator('#tail li', { hasText: tailed }).waitFor({ timeout: 60_000 });
    expect(await page.locator('#tail li', { hasText: searched }).count()).toBe(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'console.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('says what to do when the token is wrong', async () => {
    const page = await browser.newPage();
    await page.goto(`${p.url}/console`);
    await page.fill('#token', ingestToken);
    await searchFor(page, 'x');
    await page.locator('#status.error', { hasText: '403' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#status').textContent()).toContain('--scope read');
    await page.close();
  });
});
