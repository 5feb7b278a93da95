/**
 * The listing page's controls above the table: the filter box (shown once
 * the script runs), archive buttons, and with `--upload` the upload form
 * (which also works without the script) and with `--mkdir` a new-folder form.
 *
 * @module
 */

/** What the page offers besides the list. */
export interface PageControlsOptions {
  /** `--upload` is on: a file picker and drag-and-drop. */
  upload?: boolean;
  /** `--mkdir` is on: a "new folder" form. */
  mkdir?: boolean;
  /** Archives are on: zip, tar and tar.gz links for this folder. */
  archives?: boolean;
}

/**
 * Renders the controls. Nothing in them comes from a file name.
 *
 * @param options what is on
 * @returns HTML for the top of the page's body
 * @example
 * ```ts
 * import { renderPageControls } from "./page_controls.ts";
 *
 * const html = renderPageControls({ upload: true, archives: true });
 * console.assert(html.includes('value="tar.gz"') && html.includes('type="file"'));
 * console.assert(!html.includes('id="mkdir"'));
 * ```
 */
export function renderPageControls(options: PageControlsOptions): string {
  const parts = [
    `<div class="bar"><label id="find" hidden>Filter <input id="filter" type="search" ` +
    `placeholder="name contains… (/)" autocomplete="off" aria-describedby="count"></label>` +
    `<span id="count" class="dim" aria-live="polite"></span>${archiveLinks(options)}</div>`,
  ];
  if (options.upload) {
    parts.push(
      `<div class="bar"><form id="upload" method="post" enctype="multipart/form-data">` +
        `<label id="drop">Upload: drop files here, or <input type="file" name="file" multiple>` +
        `</label> <button type="submit">Upload</button></form></div>` +
        `<ul id="uploads" aria-live="polite" aria-label="Uploads"></ul>`,
    );
  }
  if (options.mkdir) {
    parts.push(
      `<div class="bar"><form id="mkdir" method="post" enctype="multipart/form-data">` +
        `<label>New folder <input name="mkdir" required autocomplete="off"></label> ` +
        `<button type="submit">Create</button></form>` +
        `<span id="mkdir-note" class="dim" aria-live="polite"></span></div>`,
    );
  }
  return parts.join("\n");
}

/**
 * `Download folder: zip tar tar.gz` when archives are on: buttons of a GET
 * form, not links, so `wget -r` and crawlers (which follow links, never
 * forms) do not fetch an archive of every folder they walk.
 */
function archiveLinks(options: PageControlsOptions): string {
  if (!options.archives) return "";
  const button = (format: string) =>
    `<button id="download-${format.replace(".", "-")}" name="download" value="${format}">` +
    `${format}</button>`;
  return `<form class="dl" method="get" action="./">Download folder: ` +
    `${["zip", "tar", "tar.gz"].map(button).join(" ")}</form>`;
}
