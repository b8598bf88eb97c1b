/* Decoding of the workbench's layer documents (see ui/mapkit/payload.py for the format).
   Coordinates arrive as integers of 1e-5 degree, delta-encoded; this turns them back into degrees. */
(function (root) {
  "use strict";
  const QUANT = 1e5;

  function runningSum(values) {
    const out = new Float64Array(values.length);
    let acc = 0;
    for (let i = 0; i < values.length; i++) { acc += values[i]; out[i] = acc / QUANT; }
    return out;
  }

  /* Web Mercator at zoom 0, in 0..1 (Leaflet's EPSG:3857 pixel space divided by 256). */
  function mercator(lon, lat) {
    const n = lon.length, u = new Float64Array(n), v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.sin(Math.max(Math.min(lat[i], 85.0511), -85.0511) * Math.PI / 180);
      u[i] = 0.5 + lon[i] / 360;
      v[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    return { u, v };
  }

  function points(doc) {
    const lon = runningSum(doc.x), lat = runningSum(doc.y);
    const byColor = doc.colors.map(() => []);
    doc.c.forEach((code, i) => byColor[code].push(i));
    return { kind: "points", n: lon.length, lon, lat, ...mercator(lon, lat), code: doc.c, colors: doc.colors,
             byColor, r: doc.r || 4, names: doc.names || null, values: doc.values || null };
  }

  function cells(doc) {
    const lon = runningSum(doc.x), lat = runningSum(doc.y);
    return { kind: "cells", n: lon.length, lon, lat, ...mercator(lon, lat), count: doc.n, total: doc.total,
             color: doc.color, valueLabel: doc.value_label || "" };
  }

  /* One ring [x0, y0, dx1, dy1, …] → [[lat, lon], …] for Leaflet. */
  function ring(flat) {
    const out = new Array(flat.length / 2);
    let x = 0, y = 0;
    for (let k = 0, j = 0; k < flat.length; k += 2, j++) {
      x += flat[k]; y += flat[k + 1];
      out[j] = [y / QUANT, x / QUANT];
    }
    return out;
  }

  function polygons(doc) {
    const features = doc.g.map((polys) => polys.map((rings) => rings.map(ring)));
    const boxes = features.map((polys) => {
      let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
      for (const rings of polys) for (const p of rings[0] || []) {
        if (p[1] < w) w = p[1]; if (p[1] > e) e = p[1]; if (p[0] < s) s = p[0]; if (p[0] > n) n = p[0];
      }
      return [w, s, e, n];
    });
    const labels = doc.lx ? doc.lx.map((x, i) => [doc.ly[i] / QUANT, x / QUANT]) : null;
    let anchors = null;
    if (doc.ax) {  // a marker point per polygon, and the polygon's extent in the same Web Mercator units
      const lon = Float64Array.from(doc.ax, (x) => x / QUANT), lat = Float64Array.from(doc.ay, (y) => y / QUANT);
      const corner = mercator(Float64Array.from(boxes, (b) => b[0]), Float64Array.from(boxes, (b) => b[3]));
      const far = mercator(Float64Array.from(boxes, (b) => b[2]), Float64Array.from(boxes, (b) => b[1]));
      anchors = { n: lon.length, ...mercator(lon, lat), span: Float64Array.from(boxes, (b, i) => Math.max(far.u[i] - corner.u[i], far.v[i] - corner.v[i])) };
    }
    return { kind: "polygons", n: features.length, features, boxes, style: doc.style || {}, names: doc.names || null,
             fill: doc.fill || null, values: doc.values || null, labels, anchors };
  }

  /* Even-odd ray casting over all rings of one feature (holes excluded). */
  function inside(polys, lat, lon) {
    let hit = false;
    for (const rings of polys) for (const r of rings) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const yi = r[i][0], xi = r[i][1], yj = r[j][0], xj = r[j][1];
        if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) hit = !hit;
      }
    }
    return hit;
  }

  async function inflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    const text = await new Response(stream).text();
    return JSON.parse(text);
  }

  function decode(kind, doc) {
    if (kind === "points") return points(doc);
    if (kind === "cells") return cells(doc);
    return polygons(doc);
  }

  const api = { QUANT, runningSum, mercator, points, cells, polygons, ring, inside, inflate, decode };
  if (typeof module === "object" && module.exports) module.exports = api; else root.WBDecode = api;
})(typeof self !== "undefined" ? self : this);
