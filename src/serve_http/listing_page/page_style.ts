/**
 * The listing page's style sheet: light and dark (from the system setting),
 * tap targets of 44 px, visible keyboard focus, folders set apart.
 *
 * @module
 */

/**
 * The style sheet, inlined in the listing page's head (admitted by its hash).
 *
 * @example
 * ```ts
 * import { PAGE_STYLE } from "./page_style.ts";
 *
 * console.assert(PAGE_STYLE.includes("prefers-color-scheme:dark"));
 * ```
 */
export const PAGE_STYLE: string = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f1f1f;--dim:#666;--line:#e3e3e3;--link:#0b57d0;--tag:#eef1f6;--ok:#1e7e34;--bad:#b3261e}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e3e3e3;--dim:#9a9a9a;--line:#333;--link:#8ab4f8;--tag:#262b33;--ok:#7bd88f;--bad:#f2b8b5}}
body{font:15px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 .75rem;background:var(--bg);color:var(--fg)}
h1{font-size:1.2rem;word-break:break-all;margin:.5rem 0}
h1 a{padding:.4rem .1rem}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
:focus-visible{outline:2px solid var(--link);outline-offset:2px}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.5rem 0}
.bar a,button{min-height:2.75rem;display:inline-flex;align-items:center}
.dl{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
input,button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:.4rem;padding:.45rem .6rem;min-height:2.75rem;box-sizing:border-box}
button{cursor:pointer;background:var(--tag)}
[hidden]{display:none!important}
input[type=file]{border:0;padding:.25rem 0;min-height:0;max-width:100%;background:none}
#filter{width:14rem;max-width:100%}
.dim{color:var(--dim)}
table{width:100%;border-collapse:collapse}
th,td{padding:0 .5rem;text-align:left;border-bottom:1px solid var(--line)}
th a{display:inline-block;padding:.5rem 0}
td:first-child{word-break:break-all;display:flex;align-items:center;gap:.5rem}
td:first-child a{display:block;flex:1;padding:.6rem 0;min-height:1.5rem}
.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.k{font-size:.7rem;text-transform:uppercase;letter-spacing:.03em;background:var(--tag);color:var(--dim);border-radius:.25rem;padding:0 .3rem;min-width:2.6rem;text-align:center;flex:none}
tr[data-kind=dir] .k{color:var(--link)}
tr[data-kind=dir] a{font-weight:600}
#upload{flex:1 1 100%}
#drop{display:block;border:2px dashed var(--line);border-radius:.5rem;padding:.6rem .8rem}
.dragging #drop{border-color:var(--link);background:var(--tag)}
#uploads{list-style:none;padding:0;margin:.5rem 0}
#uploads li{display:grid;grid-template-columns:minmax(0,1fr) 8rem;gap:.1rem .75rem;align-items:center;padding:.25rem 0}
#uploads progress{width:100%}
.up-name{word-break:break-all}.up-state{grid-column:1/-1;font-size:.85rem;color:var(--dim)}
.done .up-state{color:var(--ok)}.failed .up-state{color:var(--bad)}
@media (max-width:36rem){td:nth-child(3),th:nth-child(3){display:none}#filter{width:100%}}
`;
