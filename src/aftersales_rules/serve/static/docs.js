"use strict";
// The API reference: /openapi.json shown as a page, with no asset from outside the package.

function schemaName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.enum) return schema.enum.join(" | ");
  if (schema.anyOf) return schema.anyOf.map(schemaName).join(" | ");
  if (schema.type === "array") return `array of ${schemaName(schema.items)}`;
  return schema.type || "";
}

function endpoint(path, method, op) {
  const box = el("div", null, "endpoint");
  const head = el("h3");
  head.appendChild(el("span", method, "method"));
  head.appendChild(el("code", path));
  box.appendChild(head);
  if (op.summary) box.appendChild(el("p", op.summary));
  if (op.description) box.appendChild(el("p", op.description, "muted"));
  const rows = [];
  for (const p of op.parameters || []) {
    const def = p.schema && p.schema.default !== undefined ? ` (default ${p.schema.default})` : "";
    rows.push([`${p.in} ${p.name}`, schemaName(p.schema) + def, p.description || ""]);
  }
  if (op.requestBody) {
    for (const [type, content] of Object.entries(op.requestBody.content)) {
      rows.push([`body ${type}`, schemaName(content.schema), op.requestBody.description || ""]);
    }
  }
  for (const [status, answer] of Object.entries(op.responses || {})) {
    const types = Object.entries(answer.content || {}).map(([t, c]) => `${t} ${schemaName(c.schema)}`);
    rows.push([`answer ${status}`, types.join(", "), answer.description || ""]);
  }
  const table = el("table");
  for (const cells of rows) table.appendChild(row(cells));
  box.appendChild(table);
  return box;
}

async function start() {
  const doc = (await getJSON("/openapi.json")).body;
  document.getElementById("title").textContent = doc.info.title;
  document.getElementById("summary").textContent = `${doc.info.summary || ""} ${doc.info.description || ""}`;
  const endpoints = document.getElementById("endpoints");
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) endpoints.appendChild(endpoint(path, method, op));
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const details = el("details");
    details.appendChild(el("summary", name));
    details.appendChild(el("pre", JSON.stringify(schema, null, 2)));
    schemas.appendChild(details);
  }
}

start();
