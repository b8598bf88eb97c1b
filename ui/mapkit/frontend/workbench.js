/* 地图工作台 — the browser half of ui/mapkit (a Streamlit component speaking the raw postMessage protocol).

   Layer documents arrive gzip'd, once per version, and are cached here by version; every later run
   sends only the versions (a few hundred bytes). Points are drawn on one canvas; polygons with
   Leaflet's canvas renderer. Text from data is only ever set with textContent, never as HTML. */
(function () {
  "use strict";
  const D = window.WBDecode;
  const AGGREGATE_ABOVE = 4000;  // a point layer with more features in view than this shows its grid cells
  const HIT_PX = 4;
  const NO_TEXT = {};

  const S = {
    map: null, args: null, texts: NO_TEXT, docs: new Map(), layers: new Map(), order: [], visible: new Set(),
    highlight: {}, dots: null, tip: null, panel: null, base: [], baseKey: null, boundsKey: null, focusKey: null,
    shape: null, measureLine: null, sent: "", toolsRequested: false, toolsReady: false,
    value: { have: [], visible: [], view: null, click: null, shape: null, measure: null },
    seq: 0, queue: Promise.resolve(), ready: false, stats: { renders: 0, blobBytes: 0, lastBlobBytes: 0 },
  };

  // ---- Streamlit protocol -------------------------------------------------------------------------
  function post(type, data) { window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*"); }
  function sendValue() {
    const text = JSON.stringify(S.value);
    if (text === S.sent) return;
    S.sent = text;
    post("streamlit:setComponentValue", { value: S.value, dataType: "json" });
  }
  function t(key, fallback) { return (S.texts && S.texts[key]) || fallback; }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !event.data || event.data.type !== "streamlit:render") return;
    const args = event.data.args;
    S.queue = S.queue.then(() => render(args)).catch((err) => notice(t("map_error", "地图出错：") + String(err && err.message || err)));
  });

  // ---- map and controls ---------------------------------------------------------------------------
  function notice(text) {
    const el = document.getElementById("notice");
    el.textContent = text;
    el.hidden = !text;
  }

  function initMap(args) {
    const map = L.map("map", { preferCanvas: true, zoomControl: true, attributionControl: false, minZoom: 3, maxZoom: 18,
                               zoomSnap: 0.5, boxZoom: true });
    S.map = map;
    S.vectorRenderer = L.canvas({ padding: 0.3 });
    L.control.scale({ imperial: false, metric: true, position: "bottomleft" }).addTo(map);
    map.createPane("wbDots").style.zIndex = 450;
    S.dots = L.DomUtil.create("canvas", "wb-dots leaflet-zoom-hide", map.getPane("wbDots"));
    S.tip = L.DomUtil.create("div", "wb-tip", map.getContainer());
    S.tip.hidden = true;
    map.on("moveend zoomend resize viewreset", () => { drawDots(); });
    map.on("moveend", scheduleView);
    map.on("mousemove", onHover);
    map.on("mouseout", () => { S.tip.hidden = true; });
    map.on("click", (e) => onClick(e.latlng));
    initPanel(map);
  }

  // Leaflet-Geoman (drawing and measuring) loads after the layers are drawn, so the map shows sooner; the
  // overview asks for no tools and never loads it. If it cannot load, the map works without drawing tools.
  const GEOMAN = "../../app/static/vendor/node_modules/@geoman-io/leaflet-geoman-free/dist/";
  function loadTools(map) {
    if (S.toolsRequested) return;
    S.toolsRequested = true;
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = GEOMAN + "leaflet-geoman.css";
    document.head.appendChild(css);
    const script = document.createElement("script");
    script.src = GEOMAN + "leaflet-geoman.min.js";
    script.onload = () => {
      if (!map.pm && L.PM && L.PM.Map) map.pm = new L.PM.Map(map);  // the map was made before the plugin's init hook
      initDrawing(map);
      S.toolsReady = true;
    };
    script.onerror = () => { S.toolsReady = true; };
    document.head.appendChild(script);
  }

  function initDrawing(map) {
    if (!map.pm) return;
    map.pm.setLang("zh");
    map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawText: false, drawPolyline: true,
                         drawRectangle: true, drawPolygon: true, drawCircle: true, editMode: false, dragMode: false,
                         cutPolygon: false, rotateMode: false, removalMode: true });
    map.pm.setGlobalOptions({ pathOptions: { color: "#e84393", weight: 2, fillOpacity: 0.08 } });
    map.on("pm:create", (e) => finishShape(e.shape, e.layer));
    map.on("pm:remove", (e) => {
      if (e.layer === S.shape) { S.shape = null; S.value.shape = null; sendValue(); }
      if (e.layer === S.measureLine) { S.measureLine = null; S.value.measure = null; sendValue(); }
    });
  }

  function lonlat(ll) { return [round6(ll.lng), round6(ll.lat)]; }
  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  function finishShape(shape, layer) {
    if (shape === "Line") {
      if (S.measureLine && S.measureLine !== layer) S.map.removeLayer(S.measureLine);
      S.measureLine = layer;
      const pts = layer.getLatLngs();
      let length = 0;
      for (let i = 1; i < pts.length; i++) length += S.map.distance(pts[i - 1], pts[i]);
      const tip = document.createElement("span");
      tip.className = "wb-measure";
      tip.textContent = length >= 1000 ? (length / 1000).toFixed(2) + " 公里" : length.toFixed(0) + " 米";
      layer.bindTooltip(tip, { permanent: true, direction: "right" }).openTooltip(pts[pts.length - 1]);
      S.value.measure = { coords: pts.map(lonlat), length_m: Math.round(length * 10) / 10, seq: ++S.seq };
      sendValue();
      return;
    }
    if (S.shape && S.shape !== layer) S.map.removeLayer(S.shape);
    S.shape = layer;
    if (shape === "Circle") {
      S.value.shape = { type: "circle", center: lonlat(layer.getLatLng()), radius_m: Math.round(layer.getRadius() * 10) / 10, seq: ++S.seq };
    } else {
      const ring = layer.getLatLngs()[0];
      S.value.shape = { type: "polygon", coords: ring.map(lonlat), seq: ++S.seq };
    }
    sendValue();
  }

  function initPanel(map) {
    const Panel = L.Control.extend({
      onAdd: () => {
        const div = L.DomUtil.create("div", "wb-panel");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    S.panel = new Panel({ position: "topright" }).addTo(map).getContainer();
  }

  // The panel folds to its title bar; the choice is kept for this map while the tab lives (sessionStorage), so a
  // rerun, a reload of the frame or a visit to another page and back do not unfold it again.
  function legendKey() { return "parkmap:legend:" + ((S.args && S.args.map_id) || "map"); }
  function storedCollapsed() {
    try { return window.sessionStorage.getItem(legendKey()) === "1"; } catch (err) { return false; }
  }
  function setCollapsed(collapsed) {
    S.collapsed = !!collapsed;
    try { window.sessionStorage.setItem(legendKey(), S.collapsed ? "1" : "0"); } catch (err) { /* storage off: this view only */ }
    applyCollapsed();
  }
  function applyCollapsed() {
    const div = S.panel;
    if (!div) return;
    div.classList.toggle("wb-collapsed", !!S.collapsed);
    const button = div.querySelector(".wb-panel-toggle");
    if (button) {
      button.setAttribute("aria-expanded", S.collapsed ? "false" : "true");
      button.title = S.collapsed ? t("legend_show", "展开图例") : t("legend_hide", "收起图例");
      button.querySelector(".wb-caret").textContent = S.collapsed ? "▸" : "▾";
    }
  }

  function buildPanel() {
    const div = S.panel;
    div.replaceChildren();
    const title = document.createElement("button");
    title.type = "button";
    title.className = "wb-panel-toggle";
    const caret = document.createElement("span");
    caret.className = "wb-caret";
    title.appendChild(caret);
    title.appendChild(document.createTextNode(" " + t("layers_title", "图层与图例")));
    title.addEventListener("click", () => setCollapsed(!S.collapsed));
    div.appendChild(title);
    const body = document.createElement("div");
    body.className = "wb-panel-body";
    div.appendChild(body);
    for (const meta of S.order) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = S.visible.has(meta.name);
      box.dataset.layer = meta.name;
      box.addEventListener("change", () => {
        if (box.checked) S.visible.add(meta.name); else S.visible.delete(meta.name);
        applyVisibility();
        S.value.visible = [...S.visible];
        sendValue();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + meta.label + (meta.truncated ? t("aggregated", "（已聚合）") : "")));
      body.appendChild(label);
      const legend = (meta.legend || []).concat(meta.dl || []);  // cells, then the colours of zoomed-in features
      if (legend.length) {
        const sw = document.createElement("div");
        sw.className = "wb-swatches";
        for (const [text, color] of legend) {
          const item = document.createElement("span");
          item.className = "wb-item";
          const dot = document.createElement("span");
          dot.className = "wb-swatch";
          dot.style.background = color;
          item.appendChild(dot);
          item.appendChild(document.createTextNode(text));
          sw.appendChild(item);
        }
        body.appendChild(sw);
      }
    }
    applyCollapsed();
  }

  // ---- basemap ------------------------------------------------------------------------------------
  function applyBasemap(basemap) {
    const key = JSON.stringify(basemap || null);
    if (key === S.baseKey) return;
    S.baseKey = key;
    for (const layer of S.base) S.map.removeLayer(layer);
    S.base = [];
    notice("");
    if (!basemap || !basemap.tiles || !basemap.tiles.length) return;
    let loaded = 0, failed = 0;
    for (const url of basemap.tiles) {
      const layer = L.tileLayer(url, { subdomains: basemap.subdomains || "abc", maxZoom: basemap.max_zoom || 18,
                                       maxNativeZoom: basemap.max_native_zoom || basemap.max_zoom || 18, tms: !!basemap.tms,
                                       crossOrigin: false });
      layer.on("tileload", () => { loaded++; });
      layer.on("tileerror", () => {
        failed++;
        // A basemap that cannot load must not break the map: drop it and keep our own layers.
        if (failed >= 4 && loaded === 0) {
          for (const l of S.base) S.map.removeLayer(l);
          S.base = [];
          notice(t("basemap_failed", "底图无法加载，已改为无底图显示（业务图层不受影响）"));
        }
      });
      layer.addTo(S.map);
      layer.bringToBack();
      S.base.push(layer);
    }
  }

  // ---- layers ------------------------------------------------------------------------------------
  function docFor(version) { return S.docs.get(version); }

  function syncLayers(metas) {
    const wanted = new Map(metas.map((m) => [m.name, m]));
    for (const [name, entry] of S.layers) {
      const m = wanted.get(name);
      if (!m || m.v !== entry.meta.v || m.vc !== entry.meta.vc) { removeLayer(entry); S.layers.delete(name); }
    }
    for (const meta of metas) {
      let entry = S.layers.get(meta.name);
      if (entry) entry.meta = meta;
      else {
        entry = { meta, data: withVersion(D.decode(meta.kind, docFor(meta.v)), meta.v), cells: meta.vc ? D.cells(docFor(meta.vc)) : null,
                  group: null, detail: null, detailKey: null };
        if (entry.data.kind === "polygons") buildPolygons(entry);
        S.layers.set(meta.name, entry);
      }
      // A layer sent as cells may carry its features within the last reported view (a zoomed-in view).
      if (entry.detailKey !== (meta.vd || null)) {
        entry.detailKey = meta.vd || null;
        entry.detail = meta.vd ? withVersion(D.points(docFor(meta.vd)), meta.vd) : null;
        entry.detailBox = meta.db || null;
      }
    }
    S.order = metas;
  }

  function withVersion(data, version) { data.version = version; return data; }

  function covers(box) {
    if (!box) return false;
    const b = S.map.getBounds();
    return b.getWest() >= box[0] && b.getSouth() >= box[1] && b.getEast() <= box[2] && b.getNorth() <= box[3];
  }

  function removeLayer(entry) { if (entry.group) S.map.removeLayer(entry.group); }

  function buildPolygons(entry) {
    const data = entry.data, style = data.style;
    const group = L.layerGroup();
    entry.shapes = data.features.map((polys, i) => {
      const opts = Object.assign({ renderer: S.vectorRenderer, interactive: false }, style);
      if (data.fill) { opts.fillColor = data.fill[i]; opts.fillOpacity = style.fillOpacity == null ? 0.6 : style.fillOpacity; }
      const shape = L.polygon(polys, opts);
      group.addLayer(shape);
      return shape;
    });
    if (data.labels && data.names) {
      data.labels.forEach((ll, i) => {
        const el = document.createElement("div");
        el.className = "wb-label";
        el.textContent = data.names[i];
        group.addLayer(L.marker(ll, { icon: L.divIcon({ html: el, className: "", iconSize: null }), interactive: false, keyboard: false }));
      });
    }
    entry.group = group;
  }

  function applyVisibility() {
    for (const [name, entry] of S.layers) {
      if (!entry.group) continue;
      const on = S.visible.has(name);
      if (on && !S.map.hasLayer(entry.group)) entry.group.addTo(S.map);
      if (!on && S.map.hasLayer(entry.group)) S.map.removeLayer(entry.group);
    }
    drawDots();
  }

  function applyHighlight(highlight) {
    S.highlight = {};
    for (const [name, idx] of Object.entries(highlight || {})) S.highlight[name] = new Set(idx);
    for (const [name, entry] of S.layers) {
      if (!entry.shapes) continue;
      const hi = S.highlight[name] || new Set();
      const base = entry.data.style;
      entry.shapes.forEach((shape, i) => {
        shape.setStyle(hi.has(i) ? { color: "#00bcd4", weight: 4 } : { color: base.color, weight: base.weight });
      });
    }
    drawDots();
  }

  // ---- the point canvas ---------------------------------------------------------------------------
  function screen(entry, data) {
    const map = S.map, size = 256 * Math.pow(2, map.getZoom());
    const origin = map.getPixelOrigin(), topLeft = map.containerPointToLayerPoint([0, 0]);
    const ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
    const n = data.n, x = new Float32Array(n), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { x[i] = data.u[i] * size - ox; y[i] = data.v[i] * size - oy; }
    return { x, y };
  }

  function drawDots() {
    const map = S.map;
    if (!map || !S.dots) return;
    const sizePx = map.getSize(), ratio = window.devicePixelRatio || 1, canvas = S.dots;
    canvas.width = sizePx.x * ratio; canvas.height = sizePx.y * ratio;
    canvas.style.width = sizePx.x + "px"; canvas.style.height = sizePx.y + "px";
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, sizePx.x, sizePx.y);
    const W = sizePx.x, H = sizePx.y;
    for (const meta of S.order) {
      const entry = S.layers.get(meta.name);
      if (!entry || entry.data.kind === "polygons") continue;
      entry.drawn = null;
      if (!S.visible.has(meta.name)) continue;
      const cells = entry.data.kind === "cells" ? entry.data : entry.cells;
      const points = entry.data.kind === "points" ? entry.data : (entry.detail && covers(entry.detailBox) ? entry.detail : null);
      if (points) {
        const pos = screen(entry, points);
        let inView = 0;
        for (let i = 0; i < points.n; i++) if (pos.x[i] >= 0 && pos.x[i] <= W && pos.y[i] >= 0 && pos.y[i] <= H) inView++;
        if (inView <= AGGREGATE_ABOVE || !cells) { drawPoints(ctx, entry, points, pos); entry.drawn = { mode: "points", data: points, pos }; continue; }
      }
      const pos = screen(entry, cells);
      drawCells(ctx, cells, pos);
      entry.drawn = { mode: "cells", data: cells, pos };
    }
    // Markers of polygons too small to see (parks, zoomed out) go on top: they mark where the points cluster.
    for (const meta of S.order) {
      const entry = S.layers.get(meta.name);
      if (entry && entry.data.kind === "polygons") drawAnchors(ctx, entry);
    }
  }

  // A polygon smaller than this on screen (e.g. a park with the whole province in view) gets a marker.
  const ANCHOR_BELOW_PX = 36, ANCHOR_PX = 6;
  function drawAnchors(ctx, entry) {
    entry.anchored = null;
    const data = entry.data, a = data.anchors;
    if (!a || !S.visible.has(entry.meta.name)) return;
    const scale = 256 * Math.pow(2, S.map.getZoom()), pos = screen(entry, a), shown = [];
    for (let i = 0; i < data.n; i++) if (a.span[i] * scale < ANCHOR_BELOW_PX) shown.push(i);
    if (!shown.length) return;
    const hi = S.highlight[entry.meta.name] || new Set();
    ctx.lineWidth = 1.5;
    for (const i of shown) {  // a diamond in the layer's outline colour
      const x = pos.x[i], y = pos.y[i], r = ANCHOR_PX;
      ctx.beginPath();
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
      ctx.fillStyle = data.style.color || "#c0392b";
      ctx.fill();
      ctx.strokeStyle = hi.has(i) ? "#00bcd4" : "#ffffff";
      ctx.stroke();
    }
    entry.anchored = { shown, pos };
  }

  function drawPoints(ctx, entry, data, pos) {
    const r = data.r;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#ffffff";
    data.byColor.forEach((idx, code) => {
      if (!idx.length) return;
      ctx.beginPath();
      for (const i of idx) { ctx.moveTo(pos.x[i] + r, pos.y[i]); ctx.arc(pos.x[i], pos.y[i], r, 0, 2 * Math.PI); }
      ctx.fillStyle = data.colors[code];
      ctx.globalAlpha = 0.9;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.stroke();
    });
    const hi = data === entry.data ? S.highlight[entry.meta.name] : null;  // highlights index the layer's own features
    if (hi && hi.size) {
      ctx.beginPath();
      for (const i of hi) if (i < data.n) { ctx.moveTo(pos.x[i] + r + 3, pos.y[i]); ctx.arc(pos.x[i], pos.y[i], r + 3, 0, 2 * Math.PI); }
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#00bcd4";
      ctx.stroke();
    }
  }

  function cellRadius(n) { return Math.min(28, 6 + 3 * Math.sqrt(n)); }

  function drawCells(ctx, data, pos) {
    ctx.font = "600 11px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < data.n; i++) {
      const r = cellRadius(data.count[i]);
      ctx.beginPath();
      ctx.arc(pos.x[i], pos.y[i], r, 0, 2 * Math.PI);
      ctx.fillStyle = data.color;
      ctx.globalAlpha = 0.75;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.fillStyle = "#fff";
      ctx.fillText(String(data.count[i]), pos.x[i], pos.y[i]);
    }
  }

  // ---- hover, click, hit testing ------------------------------------------------------------------
  function hitTest(containerPoint, latlng) {
    for (let k = S.order.length - 1; k >= 0; k--) {  // polygon markers are drawn on top: they are hit first
      const entry = S.layers.get(S.order[k].name);
      if (!entry || !entry.anchored || !S.visible.has(entry.meta.name)) continue;
      const { shown, pos } = entry.anchored, r = ANCHOR_PX + HIT_PX;
      for (const i of shown) {
        const dx = pos.x[i] - containerPoint.x, dy = pos.y[i] - containerPoint.y;
        if (dx * dx + dy * dy <= r * r) return { entry, i, mode: "polygons" };
      }
    }
    for (let k = S.order.length - 1; k >= 0; k--) {
      const meta = S.order[k], entry = S.layers.get(meta.name);
      if (!entry || !S.visible.has(meta.name)) continue;
      if (entry.drawn) {
        const { mode, data, pos } = entry.drawn;
        let best = -1, bestD = Infinity;
        for (let i = 0; i < data.n; i++) {
          const dx = pos.x[i] - containerPoint.x, dy = pos.y[i] - containerPoint.y, d = dx * dx + dy * dy;
          const r = (mode === "cells" ? cellRadius(data.count[i]) : data.r) + HIT_PX;
          if (d <= r * r && d < bestD) { best = i; bestD = d; }
        }
        if (best >= 0) return { entry, i: best, mode };
      } else if (entry.data.kind === "polygons") {
        const data = entry.data;
        for (let i = data.n - 1; i >= 0; i--) {
          const b = data.boxes[i];
          if (latlng.lng < b[0] || latlng.lng > b[2] || latlng.lat < b[1] || latlng.lat > b[3]) continue;
          if (D.inside(data.features[i], latlng.lat, latlng.lng)) return { entry, i, mode: "polygons" };
        }
      }
    }
    return null;
  }

  function describe(hit) {
    const { entry, i, mode } = hit, meta = entry.meta;
    if (mode === "cells") {
      const data = entry.drawn.data;
      return meta.label + "\n" + t("cell_count", "数量") + "：" + data.count[i]
        + (data.valueLabel ? "\n" + data.valueLabel + "：" + data.total[i] : "") + "\n" + t("zoom_in", "放大查看单个要素");
    }
    const data = entry.drawn ? entry.drawn.data : entry.data, lines = [meta.label];
    if (data.names && data.names[i]) lines.push(data.names[i]);
    const legend = data === entry.detail ? (meta.dl || []) : meta.legend;
    const category = data.kind === "points" && legend[data.code[i]] ? legend[data.code[i]][0] : "";
    if (category && category !== meta.label) lines.push(category);
    if (data.values && data.values[i]) lines.push(data.values[i]);
    return lines.join("\n");
  }

  let hoverPending = null;
  function onHover(e) {
    if (S.map.pm && S.map.pm.globalDrawModeEnabled && S.map.pm.globalDrawModeEnabled()) { S.tip.hidden = true; return; }
    hoverPending = e;
    requestAnimationFrame(() => {
      if (!hoverPending) return;
      const ev = hoverPending; hoverPending = null;
      const hit = hitTest(ev.containerPoint, ev.latlng);
      if (!hit || hit.mode === "polygons" && hit.entry.meta.name === "regions" && !hit.entry.data.values) { S.tip.hidden = true; return; }
      S.tip.textContent = describe(hit);  // text only: names from data never become HTML
      S.tip.style.left = (ev.containerPoint.x + 12) + "px";
      S.tip.style.top = (ev.containerPoint.y + 12) + "px";
      S.tip.hidden = false;
    });
  }

  function onClick(latlng) {
    if (S.map.pm && S.map.pm.globalDrawModeEnabled && S.map.pm.globalDrawModeEnabled()) return;
    const point = S.map.latLngToContainerPoint(latlng);
    const hit = hitTest(point, latlng);
    const click = { lon: round6(latlng.lng), lat: round6(latlng.lat), seq: ++S.seq };
    if (hit && hit.mode === "cells") {
      S.map.setView(latlng, Math.min(S.map.getZoom() + 2, 16));
    } else if (hit) {
      const data = hit.entry.drawn ? hit.entry.drawn.data : hit.entry.data;
      Object.assign(click, { layer: hit.entry.meta.name, i: hit.i, v: data.version || hit.entry.meta.v });
    }
    S.value.click = click;
    S.value.view = currentView();
    sendValue();
  }

  function currentView() {
    const b = S.map.getBounds();
    return { bounds: [round6(b.getWest()), round6(b.getSouth()), round6(b.getEast()), round6(b.getNorth())], zoom: S.map.getZoom() };
  }

  let viewTimer = null;
  function scheduleView() {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(() => { if (S.ready) { S.value.view = currentView(); sendValue(); } }, 800);
  }

  // ---- focus and fitting -------------------------------------------------------------------------
  function applyFocus(focus) {
    if (!focus || focus.key === S.focusKey) return;
    S.focusKey = focus.key;
    const entry = S.layers.get(focus.layer);
    if (!entry) return;
    const data = entry.data;
    if (data.kind === "points" && focus.i < data.n) S.map.setView([data.lat[focus.i], data.lon[focus.i]], Math.max(S.map.getZoom(), 14));
    if (data.kind === "polygons" && entry.shapes[focus.i]) S.map.fitBounds(entry.shapes[focus.i].getBounds(), { maxZoom: 14 });
  }

  function applyBounds(args) {
    if (!args.bounds || args.bounds_key === S.boundsKey) return;
    S.boundsKey = args.bounds_key;
    const [w, s, e, n] = args.bounds;
    S.map.fitBounds([[s, w], [n, e]], { animate: false });
  }

  // ---- one render --------------------------------------------------------------------------------
  async function render(args) {
    S.args = args;
    S.texts = args.texts || NO_TEXT;
    if (!S.map) {
      document.getElementById("map").style.height = (args.height || 620) + "px";
      post("streamlit:setFrameHeight", { height: args.height || 620 });
      initMap(args);
      S.visible = new Set(args.visible || args.layers.map((m) => m.name));
      S.value.visible = [...S.visible];
      S.collapsed = storedCollapsed();
    }
    applyBasemap(args.basemap);
    S.stats.renders++;
    S.stats.lastBlobBytes = args.blob ? args.blob.byteLength : 0;
    S.stats.blobBytes += S.stats.lastBlobBytes;
    const t0 = performance.now();
    if (args.blob && args.blob.byteLength) {
      const docs = await D.inflate(args.blob);
      for (const [version, doc] of Object.entries(docs)) S.docs.set(version, doc);
    }
    const t1 = performance.now();
    const needed = [];
    for (const m of args.layers) { needed.push(m.v); if (m.vc) needed.push(m.vc); if (m.vd) needed.push(m.vd); }
    const missing = needed.filter((v) => !S.docs.has(v));
    // Keep only what the current layers use, so memory stays bounded across many filter changes.
    for (const v of [...S.docs.keys()]) if (!needed.includes(v)) S.docs.delete(v);
    S.value.have = [...S.docs.keys()].sort();
    if (missing.length) {  // e.g. this frame was reloaded: ask the server for the documents again
      S.value.need = missing;
      sendValue();
      return;
    }
    delete S.value.need;
    syncLayers(args.layers);
    const t2 = performance.now();
    buildPanel();
    applyBounds(args);
    applyVisibility();
    applyHighlight(args.highlight);
    applyFocus(args.focus);
    // Where a render's time goes (benchmarks read it): unzip + JSON, decoding into arrays, drawing.
    S.stats.lastMs = { inflate: Math.round(t1 - t0), decode: Math.round(t2 - t1), draw: Math.round(performance.now() - t2) };
    if (!S.stats.firstMs && t1 - t0 > 0) S.stats.firstMs = Object.assign({ drawnAt: Math.round(performance.now()) }, S.stats.lastMs);
    S.ready = true;
    document.body.dataset.ready = "1";
    if (args.tools !== false) loadTools(S.map);
    document.body.dataset.versions = needed.join(",");
    sendValue();
  }

  // ---- a small API for scripts and tests (same code paths as the mouse) --------------------------
  window.workbench = {
    state: () => JSON.parse(JSON.stringify(S.value)),
    legendCollapsed: () => !!S.collapsed,
    toggleLegend: () => setCollapsed(!S.collapsed),
    // The scale bar as drawn (text, width in px) and the map's own metres per pixel at its centre.
    scale: () => {
      const line = document.querySelector(".leaflet-control-scale-line");
      if (!line) return null;
      const size = S.map.getSize(), y = size.y / 2;
      const metresPerPx = S.map.distance(S.map.containerPointToLatLng([0, y]), S.map.containerPointToLatLng([100, y])) / 100;
      return { text: line.textContent, width: line.getBoundingClientRect().width, lat: S.map.getCenter().lat,
               zoom: S.map.getZoom(), metresPerPx };
    },
    stats: () => Object.assign({}, S.stats),
    highlighted: () => Object.fromEntries(Object.entries(S.highlight).map(([k, v]) => [k, [...v]])),
    notice: () => document.getElementById("notice").hidden ? "" : document.getElementById("notice").textContent,
    ready: () => S.ready,
    toolsReady: () => !!S.toolsReady,
    hasTools: () => !!(S.map && S.map.pm && document.querySelector(".leaflet-pm-toolbar")),
    counts: () => {
      const out = {};
      for (const [name, entry] of S.layers) {
        out[name] = entry.drawn ? entry.drawn.data.n : (entry.shapes && S.visible.has(name) ? entry.shapes.length : 0);
      }
      return out;
    },
    withCategory: (layer, category) => {
      const e = S.layers.get(layer);
      if (!e || e.data.kind !== "points") return [];
      const code = e.meta.legend.findIndex(([text]) => text === category), out = [];
      e.data.code.forEach((c, i) => { if (c === code) out.push(i); });
      return out;
    },
    categories: (layer) => {
      const e = S.layers.get(layer);
      if (!e || e.data.kind !== "points") return [];
      return [...new Set(e.data.code)].map((c) => (e.meta.legend[c] || ["其他"])[0]);
    },
    modes: () => Object.fromEntries([...S.layers].map(([n, e]) => [n, e.drawn ? e.drawn.mode : e.data.kind])),
    nameOf: (layer, i) => {
      const e = S.layers.get(layer);
      return e && e.data.names ? e.data.names[i] : null;
    },
    indexOf: (layer, name) => {
      const e = S.layers.get(layer);
      return e && e.data.names ? e.data.names.indexOf(name) : -1;
    },
    center: (layer, i, zoom) => {
      const e = S.layers.get(layer);
      if (e && e.data.kind === "points") S.map.setView([e.data.lat[i], e.data.lon[i]], zoom || 15, { animate: false });
    },
    tip: () => (S.tip.hidden ? null : { text: S.tip.textContent, elements: S.tip.children.length }),
    pointAt: (layer, i) => {
      const e = S.layers.get(layer);
      return e && e.drawn ? { x: e.drawn.pos.x[i], y: e.drawn.pos.y[i] } : null;
    },
    anchors: (layer) => {
      const e = S.layers.get(layer);
      return e && e.anchored ? e.anchored.shown.map((i) => ({ i, x: e.anchored.pos.x[i], y: e.anchored.pos.y[i] })) : [];
    },
    detail: (layer) => {
      const e = S.layers.get(layer);
      return e && e.detail ? { n: e.detail.n, box: e.detailBox, shown: !!(e.drawn && e.drawn.data === e.detail) } : null;
    },
    isolated: (layer, minGap) => {
      const e = S.layers.get(layer);
      if (!e || !e.drawn || e.drawn.mode !== "points") return null;
      const size = S.map.getSize(), all = [];
      for (const en of S.layers.values()) if (en.drawn) for (let j = 0; j < en.drawn.data.n; j++) all.push([en.drawn.pos.x[j], en.drawn.pos.y[j]]);
      const { x, y } = e.drawn.pos;
      for (let i = 0; i < e.drawn.data.n; i++) {
        if (x[i] < 80 || y[i] < 80 || x[i] > size.x - 220 || y[i] > size.y - 60) continue;
        let near = 0;
        for (const [px, py] of all) if (Math.hypot(px - x[i], py - y[i]) < (minGap || 12)) near++;
        if (near === 1) return { i, x: x[i], y: y[i] };
      }
      return null;
    },
    drawPolygon: (lonlats) => {
      const layer = L.polygon(lonlats.map(([x, y]) => [y, x])).addTo(S.map);
      finishShape("Polygon", layer);
    },
    drawCircle: (lon, lat, radius) => { finishShape("Circle", L.circle([lat, lon], { radius }).addTo(S.map)); },
    measure: (lonlats) => { finishShape("Line", L.polyline(lonlats.map(([x, y]) => [y, x])).addTo(S.map)); },
    click: (lon, lat) => onClick(L.latLng(lat, lon)),
    view: () => currentView(),
    setView: (lon, lat, zoom) => S.map.setView([lat, lon], zoom, { animate: false }),
    fit: (w, s, e, n) => S.map.fitBounds([[s, w], [n, e]], { animate: false }),
  };

  post("streamlit:componentReady", { apiVersion: 1 });
})();
