// What the site's three maps share (results-map.js, location-map.js, admin-map.js): reading
// the data a page passes through json_script, a Leaflet map with the configured tiles, and
// how far to zoom in on one place. Leaflet itself is a classic script, loaded (deferred)
// before the page's map module, so it is window.L; when it did not load, leaflet() is null
// and each map stays hidden.

/** Leaflet, or null when it did not load. */
export function leaflet() {
  return window.L ?? null;
}

/** The data in the page's json_script element `id`, or null when there is none. */
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

/**
 * A map in `element` with the site's tiles. `tiles` is the tile settings in the page's
 * data ({url, attribution, max_zoom}); `retina` asks for sharp tiles on high-density
 * screens; any other options go to L.map. The mouse wheel scrolls the page, not the map:
 * the zoom buttons, pinching and double clicks zoom it.
 */
export function makeMap(element, tiles, { retina = false, ...options } = {}) {
  const L = leaflet();
  const map = L.map(element, { scrollWheelZoom: false, ...options });
  L.tileLayer(tiles.url, {
    attribution: tiles.attribution,
    maxZoom: tiles.max_zoom,
    detectRetina: retina,
  }).addTo(map);
  return map;
}

/** The zoom that shows one place: its street, or only its neighbourhood when the position
 * is approximate (the centre of its ZIP code); never past what the tiles offer. */
export function placeZoom(tiles, approximate) {
  return Math.min(approximate ? 13 : 16, tiles.max_zoom);
}
