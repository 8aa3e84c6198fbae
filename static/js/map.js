// What the site's three maps share (results-map.js, location-map.js, admin-map.js): reading
// the data a page passes through json_script, a Leaflet map with the configured tiles, and
// how far to zoom in on one place. Leaflet itself is a classic script, so it is window.L:
// loaded (deferred) before the page's map module, or on demand through loadLeaflet() (the
// results map, which a phone fetches only when asked for). When it did not load, leaflet()
// is null and each map stays hidden.

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

let loadingLeaflet = null;

/**
 * Leaflet, fetched on demand: its stylesheet and script from the site's own static files
 * (`scriptUrl`, `styleUrl`), each added once. Resolves to window.L, or to null when either
 * failed to load.
 */
export function loadLeaflet(scriptUrl, styleUrl) {
  if (leaflet()) return Promise.resolve(leaflet());
  if (!loadingLeaflet) {
    const load = (element) =>
      new Promise((resolve, reject) => {
        element.addEventListener("load", resolve, { once: true });
        element.addEventListener("error", reject, { once: true });
        document.head.append(element);
      });
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = styleUrl;
    const script = document.createElement("script");
    script.src = scriptUrl;
    loadingLeaflet = Promise.all([load(style), load(script)]).then(leaflet, () => null);
  }
  return loadingLeaflet;
}
