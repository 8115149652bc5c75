/**
 * A workflow's top-level states drawn as an SVG from its definition (ASL): one box per state,
 * arrows for every transition (Next, Choice branches and Default, Catch), laid out in layers by the
 * longest path from StartAt. The states an execution entered are filled, the transitions it took
 * drawn thick, and the current (or last) state outlined. No script, no style: presentation attributes.
 */
import { type Html, html } from '../platform/html.ts';

/** What the picture reads of a definition: the top-level states and their transitions (plain ASL). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, { [key: string]: unknown }>;
}

export interface FlowEdge {
  from: string;
  to: string;
  kind: 'next' | 'choice' | 'catch';
}

export function edgesOf(definition: AslDefinition): FlowEdge[] {
  const edges: FlowEdge[] = [];
  const targets = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.flatMap((item) =>
          item && typeof item === 'object' && 'Next' in item && typeof item.Next === 'string'
            ? [item.Next]
            : [],
        )
      : [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (typeof state.Next === 'string') edges.push({ from: name, to: state.Next, kind: 'next' });
    for (const to of targets(state.Choices)) edges.push({ from: name, to, kind: 'choice' });
    if (typeof state.Default === 'string') edges.push({ from: name, to: state.Default, kind: 'choice' });
    for (const to of targets(state.Catch)) edges.push({ from: name, to, kind: 'catch' });
  }
  return edges;
}

/** Layer of each state: its longest distance from StartAt (back edges, if any, are ignored). */
function layers(definition: AslDefinition, edges: FlowEdge[]): Map<string, number> {
  const layer = new Map<string, number>([[definition.StartAt, 0]]);
  const names = Object.keys(definition.States);
  // Relax edges as often as there are states: enough for any acyclic graph, bounded for others.
  for (let round = 0; round < names.length; round++) {
    let changed = false;
    for (const edge of edges) {
      const from = layer.get(edge.from);
      if (from === undefined || from + 1 >= names.length) continue;
      if ((layer.get(edge.to) ?? -1) < from + 1) {
        layer.set(edge.to, from + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const name of names) if (!layer.has(name)) layer.set(name, 0);
  return layer;
}

/** What an execution did: the top-level states it entered, in order, and whether it is still running. */
export interface FlowProgress {
  entered: string[];
  running: boolean;
}

const BOX_W = 168;
const BOX_H = 36;
const GAP_X = 16;
const GAP_Y = 30;

/** Splits CamelCase state names into words so they fit a box: "RecordFundsUnavailable" → two lines. */
function words(name: string): string[] {
  const parts = name.replace(/([a-z])([A-Z])/g, '$1 $2').split(' ');
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines[lines.length - 1];
    if (last !== undefined && `${last} ${part}`.length <= 20) lines[lines.length - 1] = `${last} ${part}`;
    else lines.push(part);
  }
  return lines.slice(0, 2);
}

export function flowPicture(
  definition: AslDefinition,
  progress: FlowProgress,
  labels: { title: string; current: string },
): Html {
  const edges = edgesOf(definition);
  const layerOf = layers(definition, edges);
  const byLayer = new Map<number, string[]>();
  for (const name of Object.keys(definition.States)) {
    const l = layerOf.get(name) ?? 0;
    byLayer.set(l, [...(byLayer.get(l) ?? []), name]);
  }
  const widest = Math.max(...[...byLayer.values()].map((row) => row.length));
  const width = widest * (BOX_W + GAP_X) + GAP_X;
  const height = byLayer.size * (BOX_H + GAP_Y) + GAP_Y;
  const position = new Map<string, { x: number; y: number }>();
  for (const [l, row] of byLayer) {
    const rowWidth = row.length * (BOX_W + GAP_X) - GAP_X;
    row.forEach((name, index) => {
      position.set(name, {
        x: (width - rowWidth) / 2 + index * (BOX_W + GAP_X),
        y: GAP_Y / 2 + l * (BOX_H + GAP_Y),
      });
    });
  }
  const known = new Set(Object.keys(definition.States));
  const entered = progress.entered.filter((name) => known.has(name));
  const visited = new Set(entered);
  const taken = new Set<string>();
  for (let i = 1; i < entered.length; i++) taken.add(`${entered[i - 1]}>${entered[i]}`);
  const current = entered[entered.length - 1];

  const arrows = edges.map((edge) => {
    const a = position.get(edge.from);
    const b = position.get(edge.to);
    if (!a || !b) return '';
    const x1 = a.x + BOX_W / 2;
    const y1 = a.y + BOX_H;
    const x2 = b.x + BOX_W / 2;
    const y2 = b.y;
    const isTaken = taken.has(`${edge.from}>${edge.to}`);
    const midY = (y1 + y2) / 2;
    const path =
      y2 > y1 ? `M${x1},${y1} C${x1},${midY} ${x2},${midY} ${x2},${y2}` : `M${x1},${y1} L${x2},${y2}`;
    return html`<path d="${path}" fill="none" stroke="${isTaken ? '#1d3f7a' : '#8a8a8a'}" stroke-width="${isTaken ? 3 : 1}"${edge.kind === 'catch' ? html` stroke-dasharray="5 3"` : ''} marker-end="url(#arrow${isTaken ? '-taken' : ''})"${isTaken ? html` data-taken="true"` : ''}/>`;
  });
  const boxes = [...position].map(([name, { x, y }]) => {
    const isCurrent = name === current;
    const wasVisited = visited.has(name);
    const lines = words(name);
    return html`<g data-state="${name}"${wasVisited ? html` data-visited="true"` : ''}${isCurrent ? html` data-current="true"` : ''}>
<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${isCurrent ? '#1d3f7a' : wasVisited ? '#dbe6f5' : '#ffffff'}" stroke="${isCurrent ? '#0b1f40' : wasVisited ? '#1d3f7a' : '#8a8a8a'}" stroke-width="${isCurrent ? 4 : wasVisited ? 2 : 1}"/>
${lines.map(
  (line, index) =>
    html`<text x="${x + BOX_W / 2}" y="${y + BOX_H / 2 + (index - (lines.length - 1) / 2) * 13 + 4}" text-anchor="middle" font-size="11" font-family="sans-serif" fill="${isCurrent ? '#ffffff' : '#1b1b1b'}">${line}</text>`,
)}
${isCurrent ? html`<title>${labels.current}: ${name}</title>` : html`<title>${name}</title>`}
</g>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="flow-title" class="flow">
<title id="flow-title">${labels.title}${current ? ` (${labels.current}: ${current})` : ''}</title>
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a8a8a"/></marker>
<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d3f7a"/></marker>
</defs>
${arrows}
${boxes}
</svg>`;
}

/** The top-level states an execution entered, from its history events (AWS's shape). */
export function enteredStates(
  events: { type?: string; stateEnteredEventDetails?: { name?: string } }[],
  definition: AslDefinition,
): string[] {
  const known = new Set(Object.keys(definition.States));
  return events
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '')
    .filter((name) => known.has(name));
}
