//! `bundle-report.html` beside the bundle: one self-contained page (no network needed) with a
//! treemap of the chunks and, inside each, its modules, and a table of every chunk's raw, gzip
//! and brotli sizes. The data is JSON in the page; the page draws it with a squarified treemap
//! and sets every text through `textContent`, so no file name becomes markup.

use std::io::Write as _;

use serde_json::json;

use crate::chunks::{Chunk, css_file};

pub const REPORT_FILE: &str = "bundle-report.html";

/// Sizes as a server compressing on the fly would send them: gzip at level 6, brotli at 5.
fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).ok().and_then(|()| encoder.finish().ok()).map_or(0, |compressed| compressed.len())
}

fn brotli_len(bytes: &[u8]) -> usize {
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 5, ..Default::default() };
    match brotli::BrotliCompress(&mut &bytes[..], &mut compressed, &params) {
        Ok(_) => compressed.len(),
        Err(_) => 0,
    }
}

/// The page for `chunks`.
pub(crate) fn report(chunks: &[Chunk]) -> String {
    use rayon::prelude::*;
    let data: Vec<serde_json::Value> = chunks
        .par_iter()
        .map(|chunk| {
            let code = chunk.code.as_bytes();
            json!({
                "file": chunk.file,
                "kind": chunk.kind,
                "bytes": code.len(),
                "gzipBytes": gzip_len(code),
                "brotliBytes": brotli_len(code),
                "css": (!chunk.css.is_empty()).then(|| css_file(&chunk.file)),
                "cssBytes": chunk.css.len(),
                "modules": chunk.modules,
            })
        })
        .collect();
    // `<` only occurs inside JSON strings, where `\u003c` means the same: no `</script>` can end
    // the data early.
    let data = serde_json::to_string(&data).unwrap_or_else(|_| "[]".into()).replace('<', "\\u003c");
    PAGE.replace("/*DATA*/[]", &data)
}

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bundle report</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #1f2328; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  #totals { color: #57606a; margin-bottom: 12px; }
  #map { position: relative; height: 560px; border: 1px solid #d0d7de; background: #f6f8fa; }
  .chunk, .module { position: absolute; box-sizing: border-box; overflow: hidden; }
  .chunk { border: 2px solid #fff; }
  .chunk > .label { font-weight: 600; padding: 2px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; height: 18px; }
  .module { border: 1px solid rgba(255, 255, 255, 0.7); font-size: 11px; padding: 1px 3px; white-space: nowrap; text-overflow: ellipsis; }
  .entry { background: #2f81f7; } .initial { background: #8250df; } .async { background: #1a7f37; }
  .entry .module { background: #54aeff; } .initial .module { background: #c297ff; } .async .module { background: #4ac26b; }
  .chunk, .module { color: #fff; }
  table { border-collapse: collapse; margin-top: 16px; }
  th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #d0d7de; }
  th:first-child, td:first-child { text-align: left; }
  .legend span { display: inline-block; padding: 1px 6px; margin-right: 6px; color: #fff; border-radius: 3px; }
</style>
</head>
<body>
<h1>Bundle report</h1>
<div id="totals"></div>
<div class="legend"><span class="entry">entry</span><span class="initial">initial</span><span class="async">async</span></div>
<div id="map"></div>
<table id="chunks"><thead><tr><th>chunk</th><th>kind</th><th>minified</th><th>gzip</th><th>brotli</th><th>css</th><th>modules</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="data">/*DATA*/[]</script>
<script>
const chunks = JSON.parse(document.getElementById('data').textContent);
const kb = (bytes) => (bytes / 1000).toFixed(1) + ' KB';
const sum = (list, key) => list.reduce((total, item) => total + item[key], 0);

// Squarified treemap (Bruls, Huizing, van Wijk): rows of items laid along the shorter side,
// each row closed when adding the next item would worsen its worst aspect ratio.
function squarify(items, x, y, w, h) {
  const total = sum(items, 'value');
  const out = [];
  if (total <= 0 || w <= 0 || h <= 0) return out;
  const scale = (w * h) / total;
  let rest = items.filter((i) => i.value > 0).map((i) => ({ item: i, area: i.value * scale }));
  while (rest.length) {
    const side = Math.min(w, h);
    let row = [], best = Infinity;
    for (const next of rest) {
      const candidate = [...row, next];
      const area = candidate.reduce((t, c) => t + c.area, 0);
      const worst = Math.max(...candidate.map((c) => Math.max((side * side * c.area) / (area * area), (area * area) / (side * side * c.area))));
      if (worst > best) break;
      row = candidate; best = worst;
    }
    const area = row.reduce((t, c) => t + c.area, 0);
    const thickness = area / side;
    let offset = 0;
    for (const c of row) {
      const length = c.area / thickness;
      out.push(w >= h
        ? { item: c.item, x, y: y + offset, w: thickness, h: length }
        : { item: c.item, x: x + offset, y, w: length, h: thickness });
      offset += length;
    }
    if (w >= h) { x += thickness; w -= thickness; } else { y += thickness; h -= thickness; }
    rest = rest.slice(row.length);
  }
  return out;
}

function box(className, rect, title) {
  const el = document.createElement('div');
  el.className = className;
  Object.assign(el.style, { left: rect.x + 'px', top: rect.y + 'px', width: rect.w + 'px', height: rect.h + 'px' });
  el.title = title;
  return el;
}

function draw() {
  const map = document.getElementById('map');
  map.replaceChildren();
  const items = chunks.map((c) => ({ value: c.bytes, chunk: c }));
  for (const placed of squarify(items, 0, 0, map.clientWidth, map.clientHeight)) {
    const c = placed.item.chunk;
    const el = box('chunk ' + c.kind, placed, `${c.file} (${c.kind}): ${kb(c.bytes)}, ${kb(c.gzipBytes)} gzip, ${kb(c.brotliBytes)} brotli`);
    el.dataset.file = c.file;
    const label = document.createElement('div');
    label.className = 'label';
    label.textContent = `${c.file} ${kb(c.bytes)}`;
    el.append(label);
    const modules = c.modules.map((m) => ({ value: m.renderedBytes, module: m }));
    for (const inner of squarify(modules, 0, 18, placed.w - 4, placed.h - 22)) {
      const m = inner.item.module;
      const child = box('module', inner, `${m.source}: ${kb(m.renderedBytes)} before minifying`);
      child.dataset.source = m.source;
      child.textContent = m.source;
      el.append(child);
    }
    map.append(el);
  }
}

const body = document.querySelector('#chunks tbody');
for (const c of chunks) {
  const row = document.createElement('tr');
  row.dataset.file = c.file;
  for (const text of [c.file, c.kind, kb(c.bytes), kb(c.gzipBytes), kb(c.brotliBytes), c.css ? kb(c.cssBytes) : '', String(c.modules.length)]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  body.append(row);
}
const initial = chunks.filter((c) => c.kind !== 'async');
document.getElementById('totals').textContent =
  `${chunks.length} chunks: ${kb(sum(chunks, 'bytes'))} minified, ${kb(sum(chunks, 'gzipBytes'))} gzip, ` +
  `${kb(sum(chunks, 'brotliBytes'))} brotli; initial ${kb(sum(initial, 'bytes'))}; CSS ${kb(sum(chunks, 'cssBytes'))}`;
draw();
window.addEventListener('resize', draw);
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChunkKind, ModuleSize};

    #[test]
    fn file_names_cannot_end_the_data_early() {
        let chunk = Chunk {
            file: "assets/</script><script>alert(1)</script>.js".into(),
            code: "x".repeat(100),
            map: None,
            kind: ChunkKind::Entry,
            facade: None,
            imports: Vec::new(),
            dynamic_imports: Vec::new(),
            modules: vec![ModuleSize { source: "lib/<b>.js".into(), rendered_bytes: 100 }],
            css: String::new(),
        };
        let page = report(&[chunk]);
        let data = &page[page.find("id=\"data\">").unwrap()..];
        let data = &data[..data.find("</script>").unwrap()];
        assert!(data.contains("\\u003c/script>\\u003cscript>alert(1)"), "{data}");
        assert!(data.contains("\"gzipBytes\":") && data.contains("\"brotliBytes\":"));
    }
}
