/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Opens a report.html in headless Chromium (the Debian `chromium` package, driven by
 * playwright-core: no browser download) and says what a reader would see: console errors,
 * requests that left the file, and for each chart whether uPlot drew it and how many coloured
 * pixels its canvas holds (axes and grid are grey; series lines are blue and orange).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Where Debian's chromium puts its launcher; PEAKGATE_CHROMIUM overrides. */
export const chromiumPath = process.env.PEAKGATE_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(chromiumPath);

export interface ChartState {
  id: string;
  drawn: boolean;
  error: string | null;
  canvases: number;
  /** Pixels whose colour is clearly not grey: the drawn series. */
  colouredPixels: number;
  /** Legend entries a reader sees (the x value's and each side's), and their text before any hover. */
  legendEntries: number;
  legendText: string;
  /** The colours of the visible legend markers (rgb(...)), one per drawn line. */
  legendColors: string[];
  /** The legend's text with the cursor in the middle of the plot (the values under it). */
  hoverText: string;
}

export interface PageState {
  consoleErrors: string[];
  /** URLs requested other than the page itself (file:, data: and about: excluded). */
  externalRequests: string[];
  title: string;
  verdict: string;
  forestRows: number;
  /** Forest rows drawn without an interval (one trial a side). */
  forestRowsWithoutInterval: number;
  /** The lines under the verdict (builds, rounds and why they stopped; the confidence). */
  runLine: string;
  confidenceLine: string;
  /** The page's whole text as a reader sees it. */
  text: string;
  charts: ChartState[];
}

/**
 * Opens the page; with `screenshotPath`, saves a PNG of the whole page, or with `screenHeight`
 * only of the top of the page that tall (the README's picture).
 */
export async function inspectReport(
  htmlPath: string,
  screenshotPath?: string,
  options: { screenHeight?: number } = {},
): Promise<PageState> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: options.screenHeight ?? 900 } });
    const consoleErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    page.on('request', (request) => {
      if (!/^(file|data|about):/.test(request.url())) externalRequests.push(request.url());
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    const expected = await page.locator('.chart').count();
    // uPlot draws in a microtask/frame after construction; wait until every chart said it drew or failed.
    await page
      .waitForFunction(
        (n) => document.querySelectorAll('.chart[data-drawn], .chart[data-error]').length >= n,
        expected,
        { timeout: 15_000 },
      )
      .catch(() => undefined);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
        let coloured = 0;
        const canvases = [...el.querySelectorAll('canvas')];
        for (const canvas of canvases) {
          const context = canvas.getContext('2d');
          if (!context || canvas.width === 0 || canvas.height === 0) continue;
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < pixels.length; i += 4) {
            const [r, g, b, a] = [pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0, pixels[i + 3] ?? 0];
            if (a > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
          }
        }
        const visible = [...el.querySelectorAll<HTMLElement>('.u-legend .u-series')].filter(
          (row) => getComputedStyle(row).display !== 'none',
        );
        return {
          id: el.dataset.chart ?? el.id,
          drawn: el.dataset.drawn === 'true',
          error: el.dataset.error ?? null,
          canvases: canvases.length,
          colouredPixels: coloured,
          legendEntries: visible.length,
          legendText: visible.map((row) => row.textContent ?? '').join(' | '),
          legendColors: visible.slice(1).map((row) => {
            const marker = row.querySelector<HTMLElement>('.u-marker');
            return marker ? getComputedStyle(marker).borderTopColor : '';
          }),
          hoverText: '',
        };
      }),
    );
    // Hover the middle of each chart's plot: the legend shows the values under the cursor.
    for (const chart of charts) {
      const over = page.locator(`#chart-${chart.id} .u-over`);
      if ((await over.count()) === 0) continue;
      await over.scrollIntoViewIfNeeded();
      const box = await over.boundingBox();
      if (box === null) continue;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      chart.hoverText = await page.locator(`#chart-${chart.id} .u-legend .u-series`).evaluateAll((rows) =>
        rows
          .filter((row) => getComputedStyle(row).display !== 'none')
          .map((row) => row.textContent ?? '')
          .join(' | '),
      );
    }
    await page.mouse.move(0, 0);
    const state: PageState = {
      consoleErrors,
      externalRequests,
      title: await page.title(),
      verdict: (await page.locator('.verdict').textContent()) ?? '',
      forestRows: await page.locator('.forest-row').count(),
      forestRowsWithoutInterval: await page.locator('.forest-row[data-interval="none"]').count(),
      runLine: (await page.locator('.run-line').textContent()) ?? '',
      confidenceLine:
        (await page.locator('.confidence-line').count()) > 0
          ? ((await page.locator('.confidence-line').textContent()) ?? '')
          : '',
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, without the page's script and JSON
      text: await page.locator('body').innerText(),
      charts,
    };
    if (screenshotPath !== undefined)
      await page.screenshot({ path: screenshotPath, fullPage: options.screenHeight === undefined });
    return state;
  } finally {
    await browser.close();
  }
}
