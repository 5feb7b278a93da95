// Drives headless Chromium through a netkit listing page and prints what it
// saw as one JSON object. Run by tests/e2e/browser_test.ts under Node, which
// playwright-core is written for:  node check_listing.mjs BASE_URL SCREENSHOT
import { chromium } from "playwright-core";

const [base, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const result = { dialogs: [], errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  page.on("dialog", async (dialog) => {
    result.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("pageerror", (error) => result.errors.push(String(error)));
  await page.goto(`${base}/`);
  result.title = await page.title();
  result.links = await page.locator("tbody a").allTextContents();
  result.images = await page.locator("img").count();
  result.scripts = await page.locator("script").count();
  result.xssShownAsText = await page.getByText("<img src=x onerror=alert(1)>.txt", { exact: true })
    .isVisible();
  result.overflowsPhone = await page.evaluate(() =>
    document.documentElement.scrollWidth > globalThis.innerWidth
  );
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.getByRole("link", { name: "docs/" }).click();
  await page.waitForURL(/\/docs\/$/);
  result.afterFolderClick = { url: page.url(), title: await page.title() };
  await page.getByRole("link", { name: "Size" }).click();
  result.sortedBySize = await page.locator("tbody a").allTextContents();
  await page.getByRole("link", { name: "a.txt" }).click();
  result.fileText = await page.locator("body").innerText();
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "<img src=x onerror=alert(1)>.txt" }).click();
  result.xssFileText = await page.locator("body").innerText();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
