import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/app-harness.js';
import { launchChromium, type HeadlessChromium } from '../support/chromium.js';

/**
 * The management port's Swagger UI in a real browser: the page renders from
 * assets the service serves itself (every request a browser makes stays on
 * 127.0.0.1) and lists the refresh operation. A screenshot is kept in
 * test/artifacts/swagger-ui.png.
 */

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-ui.png');

describe('Swagger UI of the management port', () => {
  let h: Harness | undefined;
  let browser: HeadlessChromium | undefined;

  beforeAll(async () => {
    h = await startHarness();
    browser = await launchChromium();
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await h?.close();
    }
  });

  it('shows POST /instances/refresh, loaded from the service alone', async () => {
    const page = await browser!.context.newPage();
    const offHost: string[] = [];
    const failed: string[] = [];
    const errors: string[] = [];
    const origin = new URL(h!.mgmt).origin;
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(origin) && !url.startsWith('data:'))
        offHost.push(url);
    });
    page.on('requestfailed', (r) =>
      failed.push(`${r.url()}: ${r.failure()?.errorText}`),
    );
    page.on('pageerror', (e) => errors.push(e.message));

    const res = await page.goto(`${h!.mgmt}/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);

    const refresh = page.locator('.opblock.opblock-post', {
      has: page.locator('[data-path="/instances/refresh"]'),
    });
    await refresh.waitFor({ state: 'visible', timeout: 15_000 });
    expect(
      (await refresh.locator('.opblock-summary-method').textContent())?.trim(),
    ).toBe('POST');

    // Expanding it shows the request body the controller validates.
    await refresh.locator('.opblock-summary').click();
    await refresh.locator('.opblock-body').waitFor({ state: 'visible' });
    await expect
      .poll(
        async () =>
          (await refresh.locator('.opblock-body').textContent()) ?? '',
      )
      .toContain('instances');

    // The other management routes are documented too.
    for (const path of ['/startup', '/liveness', '/readiness', '/instances']) {
      expect(
        await page.locator(`.opblock-get [data-path="${path}"]`).count(),
        path,
      ).toBe(1);
    }

    mkdirSync(ARTIFACTS, { recursive: true });
    // Saved before the remaining checks, so a failure still leaves the picture.
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Swagger UI lists resolver errors (e.g. a dangling $ref) in a box above the operations.
    const uiErrors = await page
      .locator('.errors-wrapper .error-wrapper')
      .allTextContents();
    expect(uiErrors).toEqual([]);

    // A PNG file, as written by the browser.
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString('latin1')).toBe(
      'PNG',
    );

    expect(offHost).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('serves an OpenAPI document whose every $ref resolves', async () => {
    const doc = (await (await fetch(`${h!.mgmt}/docs-json`)).json()) as Record<
      string,
      unknown
    >;
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter((ref) => {
      let node: unknown = doc;
      for (const part of ref.replace(/^#\//, '').split('/')) {
        node = (node as Record<string, unknown> | undefined)?.[part];
      }
      return node === undefined;
    });
    expect(dangling).toEqual([]);
  });
});
