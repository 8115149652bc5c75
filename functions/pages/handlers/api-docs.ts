/**
 * GET /openapi.json: the API's OpenAPI 3.1 document (generated, see functions/pages/openapi.ts);
 * GET /docs: the same, rendered on the server as a page (no script, nothing from another site).
 */
import { html } from '../../platform/html.ts';
import { type HttpResult, publicHandler } from '../../platform/http.ts';
import { handedRoutes } from '../../platform/routes.ts';
import { openApiDocument } from '../openapi.ts';
import { pageHeaders, shell } from '../pages.ts';

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node => (value && typeof value === 'object' ? (value as Node) : {});

function docsPage(document: Node): string {
  const info = asNode(document.info);
  const paths = Object.entries(asNode(document.paths));
  const schemas = Object.entries(asNode(asNode(document.components).schemas));
  const body = html`<h1>${String(info.title ?? 'API')}</h1>
<p>${String(info.description ?? '')}</p>
<p>OpenAPI ${String(document.openapi)}: <a href="/openapi.json">/openapi.json</a>. Bearer tokens: <code>Authorization: Bearer &lt;JWT&gt;</code>; in local mode from <code>GET /local/tokens</code>.</p>
<nav aria-label="Operations"><ul>${paths.flatMap(([path, ops]) =>
    Object.keys(asNode(ops)).map(
      (method) =>
        html`<li><a href="#${`${method}-${path}`.replace(/[^a-z0-9]+/gi, '-')}">${method.toUpperCase()} ${path}</a></li>`,
    ),
  )}</ul></nav>
${paths.flatMap(([path, ops]) =>
  Object.entries(asNode(ops)).map(([method, raw]) => {
    const op = asNode(raw);
    const parameters = Array.isArray(op.parameters) ? op.parameters.map(asNode) : [];
    const roles = Array.isArray(op['x-roles']) ? op['x-roles'].map(String) : [];
    const security = Array.isArray(op.security) && op.security.length > 0;
    const requestBody = asNode(asNode(op.requestBody).content);
    return html`<section class="operation" id="${`${method}-${path}`.replace(/[^a-z0-9]+/gi, '-')}">
<h2><code>${method.toUpperCase()} ${path}</code></h2>
<p>${String(op.summary ?? '')}</p>
${op.description ? html`<p>${String(op.description)}</p>` : ''}
<p><strong>Who:</strong> ${security ? `bearer token${roles.length > 0 ? `, role ${roles.join(' or ')}` : ''}` : 'anyone with the link'}</p>
${
  parameters.length > 0
    ? html`<div class="table-wrap"><table><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Description</th></tr></thead><tbody>${parameters.map(
        (p) =>
          html`<tr><td><code>${String(p.name)}</code></td><td>${String(p.in)}</td><td>${String(p.description ?? '')}</td></tr>`,
      )}</tbody></table></div>`
    : ''
}
${Object.keys(requestBody).length > 0 ? html`<p><strong>Body:</strong> ${Object.entries(requestBody).map(([type, media]) => html`<code>${type}</code> (${String(asNode(asNode(media).schema).$ref ?? '').replace('#/components/schemas/', '')}) `)}</p>` : ''}
<dl>${Object.entries(asNode(op.responses)).map(([status, response]) => html`<dt>${status}</dt><dd>${String(asNode(response).description ?? '')}</dd>`)}</dl>
</section>`;
  }),
)}
<h2>Schemas</h2>
${schemas.map(([name, schema]) => html`<h3 id="${`schema-${name}`}">${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre>`)}`;
  return shell('en', 'API documentation', html`<nav aria-label="Site"><a href="/">Home</a></nav>`, body);
}

export const handler = publicHandler(async (event): Promise<HttpResult> => {
  const document = openApiDocument(handedRoutes());
  if (event.rawPath === '/openapi.json') {
    return {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' },
      body: JSON.stringify(document, null, 2),
    };
  }
  return { statusCode: 200, headers: pageHeaders(), body: docsPage(document) };
});
