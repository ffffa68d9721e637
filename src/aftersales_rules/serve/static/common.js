"use strict";
// Shared by the pages: every text from a case, a plan or the policy goes into the page as text
// (textContent), never as markup.

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) tr.appendChild(el("td", cell));
  return tr;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return { ok: response.ok, status: response.status, headers: response.headers, body: await response.json() };
}
