// The Location change form's map: click it or drag the pin to fill in the latitude and
// longitude (marked "set by hand"); typing coordinates moves the pin. Without JavaScript,
// or if Leaflet did not load, staff type the numbers and the map stays hidden.
import { leaflet, makeMap, pageData, placeZoom } from "./map.js";

const panel = document.getElementById("admin-map-panel");
const canvas = document.getElementById("admin-map");
const data = pageData("admin-map-data");
const latInput = document.getElementById("id_latitude");
const lngInput = document.getElementById("id_longitude");
const precisionInput = document.getElementById("id_location_precision");
const L = leaflet();

if (panel && canvas && data && latInput && lngInput && L) {
  setUp(data);
}

function readPoint() {
  const lat = Number.parseFloat(latInput.value);
  const lng = Number.parseFloat(lngInput.value);
  const valid =
    Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;
  return valid ? [lat, lng] : null;
}

function setUp(data) {
  // Beside the coordinates it sets, in the form's Map section.
  const fieldset = latInput.closest("fieldset");
  if (fieldset) fieldset.append(panel);
  panel.hidden = false;

  const map = makeMap(canvas, data.tiles);

  let pin = null;
  function placePin(point) {
    if (pin) {
      pin.setLatLng(point);
      return;
    }
    // A drawn pin, not Leaflet's image one (its path breaks once file names are hashed).
    pin = L.marker(point, {
      draggable: true,
      title: data.pin_label,
      alt: data.pin_label,
      icon: L.divIcon({ className: "admin-map-pin", iconSize: [22, 22], iconAnchor: [11, 11] }),
    }).addTo(map);
    pin.on("dragend", () => setByHand(pin.getLatLng()));
  }

  function setByHand(latLng) {
    const wrapped = latLng.wrap(); // a click on a repeated world still means -180..180
    latInput.value = wrapped.lat.toFixed(6);
    lngInput.value = wrapped.lng.toFixed(6);
    if (precisionInput) precisionInput.value = "manual";
    for (const input of [latInput, lngInput, precisionInput]) {
      input?.dispatchEvent(new Event("change", { bubbles: true }));
    }
    placePin([wrapped.lat, wrapped.lng]);
  }

  const start = readPoint();
  if (start) {
    const approximate = precisionInput && precisionInput.value === "zip_centroid";
    map.setView(start, placeZoom(data.tiles, approximate));
    placePin(start);
  } else {
    map.setView(data.center, data.zoom);
  }

  map.on("click", (event) => setByHand(event.latlng));
  for (const input of [latInput, lngInput]) {
    input.addEventListener("input", () => {
      const point = readPoint();
      if (point) {
        placePin(point);
        if (!map.getBounds().contains(point)) map.panTo(point);
      } else if (pin && !latInput.value.trim() && !lngInput.value.trim()) {
        // Both cleared: the place will be placed from its address on save.
        pin.remove();
        pin = null;
      }
    });
  }
}
