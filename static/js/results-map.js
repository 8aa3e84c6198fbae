// The results map: numbered markers linked both ways with the numbered list.
// The map and the "Show on map" buttons are rendered hidden; without JavaScript, or if
// Leaflet did not load, they stay hidden and the list carries every piece of information.
import { leaflet, makeMap, pageData } from "./map.js";

const container = document.getElementById("results-map");
const data = pageData("results-map-data");
const L = leaflet();
const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

if (container && data && L) {
  drawMap(container, data);
}

function drawMap(container, data) {
  container.hidden = false;
  const caption = document.getElementById("results-map-caption");
  if (caption) caption.hidden = false;
  container.closest(".results-layout")?.classList.add("has-map");

  // No fading: a closed popup leaves at once instead of lingering beside the next one.
  // Retina: sharp tiles on high-density phone screens.
  const map = makeMap(container, data.tiles, { retina: true, fadeAnimation: false });

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

  // Opening a popup from a marker brings its list item into view; from the list it need not.
  let scrollListOnOpen = true;
  const markers = new Map();
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
    marker.bindPopup(popupContent(place));
    marker.on("popupopen", () => highlight(place.n, scrollListOnOpen));
    markers.set(String(place.n), marker);
  }

  for (const button of document.querySelectorAll(".show-on-map")) {
    const marker = markers.get(button.dataset.n);
    if (!marker) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      container.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
      map.panTo(marker.getLatLng(), { animate: !reduceMotion });
      scrollListOnOpen = false;
      marker.openPopup();
      scrollListOnOpen = true;
    });
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

function highlight(n, scroll) {
  for (const item of document.querySelectorAll("li[data-result]")) {
    const chosen = item.dataset.result === String(n);
    item.classList.toggle("is-highlighted", chosen);
    if (chosen) {
      item.setAttribute("aria-current", "true");
      if (scroll) item.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
    } else {
      item.removeAttribute("aria-current");
    }
  }
}
