// The results map: numbered markers linked both ways with the numbered list.
// The map, the list/map toggle and the "Show on map" buttons are rendered hidden; without
// JavaScript, or if Leaflet did not load, they stay hidden and the list carries every
// piece of information.
//
// Wide screens show list and map side by side, and fetch Leaflet at once. Narrow screens
// show the list, with a List / Map toggle: Leaflet (script and stylesheet) is fetched only
// when the map is asked for, and choosing a marker shows that place's card under the map.
import { loadLeaflet, makeMap, pageData } from "./map.js";

const container = document.getElementById("results-map");
const data = pageData("results-map-data");
const column = container?.closest(".results-map-column");
const layout = container?.closest(".results-layout");
const toggle = document.getElementById("view-toggle");
const mapCard = document.getElementById("map-card");
const wide = window.matchMedia("(min-width: 64rem)");
const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

let L = null;
let map = null;
let markers = new Map();
let drawing = null;

if (container && data && column && layout) {
  setUp();
}

function setUp() {
  for (const button of toggle?.querySelectorAll("button[data-view]") ?? []) {
    button.addEventListener("click", () => showView(button.dataset.view));
  }
  if (toggle) toggle.hidden = false;
  for (const button of document.querySelectorAll(".show-on-map")) {
    button.hidden = false;
    button.addEventListener("click", () => showPlace(button.dataset.n));
  }
  if (wide.matches) ensureMap();
  wide.addEventListener("change", (event) => {
    if (event.matches) ensureMap().then(() => map?.invalidateSize());
  });
}

/** Draw the map once, after fetching Leaflet; resolves when it is drawn (or failed). */
function ensureMap() {
  if (!drawing) {
    drawing = loadLeaflet(column.dataset.leafletJs, column.dataset.leafletCss).then((leaflet) => {
      L = leaflet;
      if (L) {
        drawMap();
      } else {
        // No map after all: the list alone, as without JavaScript.
        showView("list");
        if (toggle) toggle.hidden = true;
        for (const button of document.querySelectorAll(".show-on-map")) button.hidden = true;
      }
    });
  }
  return drawing;
}

/** On narrow screens, "list" or "map" (wide screens show both whatever is chosen). */
function showView(view) {
  const showMap = view === "map";
  layout.classList.toggle("showing-map", showMap);
  for (const button of toggle?.querySelectorAll("button[data-view]") ?? []) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  if (showMap) return ensureMap().then(() => map?.invalidateSize());
  return Promise.resolve();
}

function showPlace(n) {
  const inMap = wide.matches ? ensureMap() : showView("map");
  inMap.then(() => {
    const marker = markers.get(String(n));
    if (!marker) return;
    container.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
    map.panTo(marker.getLatLng(), { animate: !reduceMotion });
    marker.openPopup();
  });
}

function drawMap() {
  container.hidden = false;
  const caption = document.getElementById("results-map-caption");
  if (caption) caption.hidden = false;
  layout.classList.add("has-map");

  // No fading: a closed popup leaves at once instead of lingering beside the next one.
  // Retina: sharp tiles on high-density phone screens.
  map = makeMap(container, data.tiles, { retina: true, fadeAnimation: false });

  // The view comes first: Leaflet draws layers (and their elements) only once it has one.
  const searched = [data.point.lat, data.point.lng];
  const bounds = L.latLngBounds([searched, ...data.places.map((p) => [p.lat, p.lng])]);
  map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
  L.circleMarker(searched, {
    interactive: false,
    radius: 9,
    weight: 3,
    color: "#1b1b1b",
    fillColor: "#ffbf47",
    fillOpacity: 1,
  }).addTo(map);

  markers = new Map();
  for (const place of data.places) {
    const name = `${place.n}. ${place.name}`;
    // Markers answer the pointer but stay out of the tab order: places a few metres apart
    // overlap, and twenty more tab stops would slow the keyboard down. Each list item's
    // "Show on map" button is the keyboard's way to its marker.
    const marker = L.marker([place.lat, place.lng], {
      icon: numberedIcon(place.n),
      title: name,
      keyboard: false,
      riseOnHover: true,
    }).addTo(map);
    const element = marker.getElement();
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", name);
    // Popups keep clear of the zoom buttons (top left, 44 px wide) and of the edges.
    marker.bindPopup(popupContent(place), {
      // Narrow enough to fit beside them: the content has 60 px of margins and the close button.
      maxWidth: Math.max(120, Math.min(300, container.clientWidth - 150)),
      autoPanPaddingTopLeft: L.point(64, 16),
      autoPanPaddingBottomRight: L.point(16, 16),
    });
    marker.on("popupopen", () => chosen(place.n));
    markers.set(String(place.n), marker);
  }
}

function numberedIcon(n) {
  const number = document.createElement("span");
  number.textContent = String(n);
  return L.divIcon({
    className: "result-marker",
    html: number,
    iconSize: [36, 36],
    iconAnchor: [18, 18],
    popupAnchor: [0, -18],
  });
}

function popupContent(place) {
  const box = document.createElement("div");
  box.className = "map-popup";
  const link = document.createElement("a");
  link.href = place.url;
  link.textContent = `${place.n}. ${place.name}`;
  const distance = document.createElement("p");
  distance.textContent = place.distance_label;
  box.append(link, distance);
  return box;
}

/** A place was chosen on the map: mark its list item, and where the list is out of view
 * (a narrow screen showing the map), show its card with its buttons under the map. */
function chosen(n) {
  let card = null;
  for (const item of document.querySelectorAll("li[data-result]")) {
    const isIt = item.dataset.result === String(n);
    item.classList.toggle("is-highlighted", isIt);
    if (isIt) {
      item.setAttribute("aria-current", "true");
      card = item.querySelector(".result");
    } else {
      item.removeAttribute("aria-current");
    }
  }
  const listShown = wide.matches || !layout.classList.contains("showing-map");
  if (listShown) {
    const item = document.querySelector(`li[data-result="${n}"]`);
    item?.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
  } else if (mapCard && card) {
    const copy = card.cloneNode(true);
    copy.querySelector(".show-on-map")?.remove();
    mapCard.replaceChildren(copy);
    mapCard.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
  }
}
