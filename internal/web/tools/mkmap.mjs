// mkmap.mjs turns Natural Earth country boundaries (public domain, via the
// npm package world-atlas) into internal/web/static/region.json: simplified
// SVG paths for Latin America and the Caribbean in an equirectangular
// projection, so the dashboard draws the map with no runtime download.
//
// Run at development time only, then commit the output:
//   cd $(mktemp -d) && npm install world-atlas@2 topojson-client@3
//   node /path/to/internal/web/tools/mkmap.mjs node_modules > region.json
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const modules = process.argv[2] || "node_modules";
const require = createRequire(path.resolve(modules, "x.js"));
const topojson = require("topojson-client");
const atlas = JSON.parse(fs.readFileSync(path.join(modules, "world-atlas/countries-50m.json")));

// The region shown: from northern Mexico to Tierra del Fuego.
const bbox = { west: -118, east: -30, south: -57, north: 33 };
const scale = 10; // SVG units per degree
const step = 0.1; // degrees: coarser points are dropped

const x = (lon) => Math.round((lon - bbox.west) * scale * 10) / 10;
const y = (lat) => Math.round((bbox.north - lat) * scale * 10) / 10;

function ringBox(ring) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of ring) b = [Math.min(b[0], lon), Math.min(b[1], lat), Math.max(b[2], lon), Math.max(b[3], lat)];
  return b;
}

const intersects = (b) => b[2] >= bbox.west && b[0] <= bbox.east && b[3] >= bbox.south && b[1] <= bbox.north;
const inside = (b) => { const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2; return cx >= bbox.west && cx <= bbox.east && cy >= bbox.south && cy <= bbox.north; };

function ringPath(ring) {
  const pts = [];
  let last = null;
  for (const [lon, lat] of ring) {
    const q = [Math.round(lon / step) * step, Math.round(lat / step) * step];
    if (last && q[0] === last[0] && q[1] === last[1]) continue;
    pts.push(q);
    last = q;
  }
  if (pts.length < 3) return "";
  return "M" + pts.map(([lon, lat]) => `${x(lon)},${y(lat)}`).join("L") + "Z";
}

const countries = topojson.feature(atlas, atlas.objects.countries).features;
const shapes = [];
for (const f of countries) {
  const polys = f.geometry?.type === "Polygon" ? [f.geometry.coordinates] : f.geometry?.coordinates || [];
  let inRegion = "", outside = "";
  for (const poly of polys) {
    const b = ringBox(poly[0]);
    // Rings across the antimeridian (Kiribati, Fiji) would draw a line
    // through the whole map; none of them is in the region.
    if (!intersects(b) || b[2] - b[0] > 180) continue;
    const d = ringPath(poly[0]);
    if (inside(b)) inRegion += d; else outside += d;
  }
  if (inRegion) shapes.push({ name: f.properties.name, region: true, d: inRegion });
  if (outside) shapes.push({ name: f.properties.name, region: false, d: outside });
}
shapes.sort((a, b) => a.name.localeCompare(b.name));
const out = {
  source: "Natural Earth 1:50m admin 0 countries (public domain), via world-atlas " + require("world-atlas/package.json").version,
  projection: "equirectangular",
  bbox, scale,
  width: (bbox.east - bbox.west) * scale,
  height: (bbox.north - bbox.south) * scale,
  shapes,
};
process.stdout.write(JSON.stringify(out) + "\n");
