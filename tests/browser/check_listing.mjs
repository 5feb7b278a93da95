// Drives headless Chromium through a netkit listing page (served with
// --upload --mkdir) and prints what it saw as one JSON object. Run by
// tests/e2e/browser_test.ts under Node, which playwright-core is written for:
//   node check_listing.mjs BASE_URL ARTIFACT_PREFIX DOWNLOAD_DIR
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, artifactPrefix, downloads] = process.argv.slice(2);
const XSS = "<img src=x onerror=alert(1)>.txt";
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
const result = { dialogs: [], errors: [], console: [] };
/** Texts of the rows' name links. */
const names = (page) => page.locator("#list tbody a").allTextContents();
try {
  // A new context is a new, empty profile (playwright's own user-data-dir).
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on("dialog", async (dialog) => {
    result.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("pageerror", (error) => result.errors.push(String(error)));
  page.on("console", (message) => result.console.push(`${message.type()}: ${message.text()}`));
  const response = await page.goto(`${base}/`);
  result.csp = response.headers()["content-security-policy"] ?? null;
  result.title = await page.title();
  result.links = await names(page);
  result.images = await page.locator("img").count();
  result.xssShownAsText = await page.getByText(XSS, { exact: true }).isVisible();
  result.overflowsPhone = await page.evaluate(() =>
    document.documentElement.scrollWidth > globalThis.innerWidth
  );
  result.smallTapTargets = await page.locator("#list tbody a").evaluateAll((links) =>
    links.filter((a) => a.getBoundingClientRect().height < 40).map((a) => a.textContent)
  );
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: `${artifactPrefix}-light.png`, fullPage: true });
  result.lightBackground = await page.evaluate(() =>
    getComputedStyle(document.body).backgroundColor
  );
  await page.emulateMedia({ colorScheme: "dark" });
  result.darkBackground = await page.evaluate(() =>
    getComputedStyle(document.body).backgroundColor
  );
  await page.screenshot({ path: `${artifactPrefix}-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });

  // The filter, by keyboard: "/" focuses it.
  await page.keyboard.press("/");
  await page.keyboard.type("read");
  result.filtered = await page.locator("#list tbody tr:visible a").allTextContents();
  result.filterCount = await page.locator("#count").textContent();
  await page.keyboard.press("Escape");
  result.unfiltered = (await page.locator("#list tbody tr:visible a").allTextContents()).length;

  // Two files through the picker, one by drag-and-drop.
  await page.setInputFiles("#upload input[type=file]", [
    { name: "picked one.txt", mimeType: "text/plain", buffer: Buffer.from("first picked\n") },
    { name: "ünï cödé #2.txt", mimeType: "text/plain", buffer: Buffer.alloc(300_000, 65) },
  ]);
  const dropped = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(["dropped bytes\n"], "dropped.txt", { type: "text/plain" }));
    return transfer;
  });
  await page.dispatchEvent("#drop", "dragover", { dataTransfer: dropped });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dropped });
  await page.waitForFunction(() => document.querySelectorAll("#uploads li.done").length === 3);
  result.progress = await page.locator("#uploads li").evaluateAll((items) =>
    items.map((li) => ({
      name: li.querySelector(".up-name").textContent,
      done: li.querySelector("progress").value === li.querySelector("progress").max,
      state: li.querySelector(".up-state").textContent,
    }))
  );
  await page.waitForFunction(() =>
    ["picked one.txt", "ünï cödé #2.txt", "dropped.txt"].every((name) =>
      document.querySelector(`#list tbody tr[data-name="${CSS.escape(name)}"]`)
    )
  );
  result.afterUpload = await names(page);
  await page.screenshot({ path: `${artifactPrefix}-uploaded.png`, fullPage: true });

  // A refused upload (the name exists) is told in words.
  await page.setInputFiles("#upload input[type=file]", [
    { name: "readme.txt", mimeType: "text/plain", buffer: Buffer.from("again\n") },
  ]);
  await page.waitForSelector("#uploads li.failed");
  result.conflict = await page.locator("#uploads li.failed .up-state").textContent();
  // So is one over the server's --max-upload (1M).
  await page.setInputFiles("#upload input[type=file]", [
    { name: "too big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(2 << 20) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll("#uploads li.failed").length === 2);
  result.tooLarge = await page.locator("#uploads li.failed .up-state").nth(1).textContent();

  // A new folder.
  await page.fill("#mkdir input[name=mkdir]", "new folder");
  await page.press("#mkdir input[name=mkdir]", "Enter");
  await page.waitForSelector('#list tbody tr[data-name="new folder"]');
  result.afterMkdir = await names(page);

  // The folder as zip, through the page's link.
  await page.goto(`${base}/docs/`);
  result.crumbs = await page.locator("nav a").allTextContents();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#download-zip"),
  ]);
  result.zipName = download.suggestedFilename();
  result.zipPath = join(downloads, result.zipName);
  await download.saveAs(result.zipPath);

  // Links and sorting without the script.
  await page.getByRole("link", { name: "Size" }).click();
  result.sortedBySize = await names(page);
  await page.getByRole("link", { name: "a.txt" }).click();
  result.fileText = await page.locator("body").innerText();
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "docs/" }).click();
  await page.waitForURL(/\/docs\/$/);
  result.afterFolderClick = await page.title();
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: XSS }).click();
  result.xssFileText = await page.locator("body").innerText();
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
