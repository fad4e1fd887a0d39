"use strict";
// Sortable tables (click a column's button) and a search box that filters rows.
function sortKey(row, column, numeric) {
  const cell = row.cells[column];
  const value = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  if (!numeric) return value.toLowerCase();
  const number = parseFloat(value);
  return Number.isNaN(number) ? null : number;
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null) return 1;   // empty cells last, whichever the direction
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

for (const table of document.querySelectorAll("table.sortable")) {
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, column) => {
    const button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const numeric = th.dataset.type === "number";
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = sortKey(a, column, numeric);
        const y = sortKey(b, column, numeric);
        if (x === null || y === null) return compare(x, y);
        return ascending ? compare(x, y) : compare(y, x);
      });
      body.append(...rows);
    });
  });
}

for (const input of document.querySelectorAll("input[data-filter]")) {
  const table = document.getElementById(input.dataset.filter);
  const counter = document.querySelector(`[data-count="${input.dataset.filter}"]`);
  input.addEventListener("input", () => {
    const needle = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      row.hidden = !row.dataset.search.includes(needle);
      if (!row.hidden) shown += 1;
    }
    if (counter) counter.textContent = `${shown} shown`;
  });
}
