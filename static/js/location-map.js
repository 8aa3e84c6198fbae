// The detail page's small map: one marker on the place. Rendered hidden; without
// JavaScript, or if Leaflet did not load, the address and the Directions link remain.
import { leaflet, makeMap, pageData, placeZoom } from "./map.js";

const container = document.getElementById("location-map");
const place = pageData("location-map-data");
const L = leaflet();

if (container && place && L) {
  drawMap(container, place);
}

function drawMap(container, place) {
  container.hidden = false;
  const map = makeMap(container, place.tiles, { retina: true }); // sharp tiles on phones
  const point = [place.lat, place.lng];
  // A ZIP-centre position is approximate: show the neighbourhood, not a street corner.
  map.setView(point, placeZoom(place.tiles, place.approximate));
  // A drawn circle, not Leaflet's default pin: that pin's image path is guessed from the
  // stylesheet and breaks once static file names are hashed. The map's name says whose it is.
  L.circleMarker(point, {
    interactive: false,
    radius: 10,
    weight: 3,
    color: "#073f61",
    fillColor: "#0b5c8c",
    fillOpacity: 1,
  }).addTo(map);
}
