// consent_flow.mjs — one authorization code flow in Debian's Chromium, driven
// by playwright-core: open the authorize URL (the browser is on 127.0.0.1, so
// the network identifies the subscriber), screenshot the consent page, check it
// cannot be framed, press Allow, and report where the browser ended up.
// Input (env): AUTHORIZE_URL, REDIRECT_URI, SCREENSHOT, USER_DATA_DIR.
// Output: one JSON line {"final_url", "title", "framed_blocked"} on stdout.
import { chromium } from 'playwright-core';

const { AUTHORIZE_URL, REDIRECT_URI, SCREENSHOT, USER_DATA_DIR } = process.env;
const context = await chromium.launchPersistentContext(USER_DATA_DIR, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 480, height: 760 },
});
try {
  const page = await context.newPage();
  await page.goto(AUTHORIZE_URL, { waitUntil: 'load' });
  const title = await page.title();
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // A malicious page framing the consent page must get nothing: X-Frame-Options
  // DENY / frame-ancestors 'none' make Chromium refuse to render it.
  const framer = await context.newPage();
  await framer.setContent(`<iframe id="f" src="${AUTHORIZE_URL}" width="400" height="400"></iframe>`);
  await framer.waitForTimeout(1500);
  let framedBlocked = true;
  for (const f of framer.frames()) {
    if (f === framer.mainFrame()) continue;
    try {
      const allow = await f.$('button[value="allow"]');
      if (allow) framedBlocked = false;
    } catch (e) { /* a blocked frame cannot even be queried */ }
  }
  await framer.close();

  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(REDIRECT_URI), { timeout: 10000 }),
    page.click('button[value="allow"]'),
  ]);
  console.log(JSON.stringify({ final_url: page.url(), title, framed_blocked: framedBlocked }));
} finally {
  await context.close();
}
