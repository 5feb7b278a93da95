/**
 * The listing page's script: the filter box, and with `--upload` the file
 * picker, drag-and-drop, one progress bar per file, the list refreshed when
 * an upload lands, and refusals in words. It is a constant (no file name is
 * ever written into it) and the page's Content-Security-Policy admits it by
 * its SHA-256 hash alone.
 *
 * @module
 */

/**
 * The script, inlined at the end of the listing page's body.
 *
 * @example
 * ```ts
 * import { PAGE_SCRIPT } from "./page_script.ts";
 *
 * console.assert(PAGE_SCRIPT.includes("XMLHttpRequest") && !PAGE_SCRIPT.includes("</script"));
 * ```
 */
export const PAGE_SCRIPT: string = String.raw`(() => {
"use strict";
const $ = (id) => document.getElementById(id);
const filter = $("filter");
const count = $("count");
const rows = () => document.querySelectorAll("#list tbody tr[data-name]");
function applyFilter() {
  const words = filter.value.trim().toLowerCase();
  let shown = 0, total = 0;
  for (const row of rows()) {
    const hit = row.dataset.name.toLowerCase().includes(words);
    row.hidden = !hit;
    total++;
    if (hit) shown++;
  }
  count.textContent = words ? shown + " of " + total + " shown" : "";
}
$("find").hidden = false;
filter.addEventListener("input", applyFilter);
document.addEventListener("keydown", (event) => {
  const typing = event.target instanceof HTMLInputElement;
  if (event.key === "/" && !typing) {
    event.preventDefault();
    filter.focus();
  } else if (event.key === "Escape" && event.target === filter) {
    filter.value = "";
    applyFilter();
  }
});
async function refresh() {
  const response = await fetch(location.href, { headers: { accept: "text/html" }, cache: "no-store" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.querySelector("#list tbody");
  if (fresh) document.querySelector("#list tbody").replaceWith(document.adoptNode(fresh));
  applyFilter();
}
function lastLine(text) {
  return (text || "").trim().split("\n").pop().replace(/^refused [^:]*: /, "");
}
function why(status, text, name) {
  switch (status) {
    case 0: return "the connection was lost (try again)";
    case 401: return "the server wants a login for uploads (reload the page and sign in)";
    case 409: return "\u201c" + name + "\u201d exists already (rename it first; the server keeps existing files unless started with --overwrite)";
    case 413: return "too large for this server (its --max-upload limit)";
    case 507: return "the server's disk is full (free some space and try again)";
    default: return "refused (" + status + "): " + lastLine(text);
  }
}
function row(name, size) {
  const item = document.createElement("li");
  const label = document.createElement("span");
  label.className = "up-name";
  label.textContent = name;
  const bar = document.createElement("progress");
  bar.max = size || 1;
  bar.value = 0;
  const state = document.createElement("span");
  state.className = "up-state";
  state.textContent = "uploading";
  item.append(label, bar, state);
  $("uploads").append(item);
  return { item, bar, state };
}
function upload(file) {
  const shown = row(file.name, file.size);
  const data = new FormData();
  data.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  const fail = (status) => {
    shown.item.className = "failed";
    shown.state.textContent = why(status, xhr.responseText, file.name);
  };
  xhr.open("POST", location.pathname);
  xhr.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    shown.bar.max = event.total;
    shown.bar.value = event.loaded;
  });
  xhr.addEventListener("load", () => {
    if (xhr.status !== 201) return fail(xhr.status);
    shown.bar.value = shown.bar.max;
    shown.item.className = "done";
    shown.state.textContent = "done";
    refresh();
  });
  xhr.addEventListener("error", () => fail(0));
  xhr.send(data);
}
function send(files) {
  for (const file of Array.from(files || [])) upload(file);
}
const form = $("upload");
if (form) {
  const picker = form.querySelector("input[type=file]");
  picker.addEventListener("change", () => {
    send(picker.files);
    picker.value = "";
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.querySelector("button").hidden = true;
  const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    document.body.classList.remove("dragging");
    send(event.dataTransfer.files);
  });
}
const folder = $("mkdir");
if (folder) {
  folder.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = folder.elements.namedItem("mkdir");
    const name = input.value.trim();
    if (!name) return;
    const data = new FormData();
    data.append("mkdir", name);
    const note = $("mkdir-note");
    const response = await fetch(location.pathname, { method: "POST", body: data }).catch(() => null);
    const status = response ? response.status : 0;
    if (status === 201) {
      input.value = "";
      note.textContent = "created \u201c" + name + "\u201d";
      await refresh();
    } else {
      note.textContent = why(status, response ? await response.text() : "", name);
    }
  });
}
})();
`;
