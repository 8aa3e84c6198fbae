// The detail page's small map: one marker on the place. Rendered hidden; without
// JavaScript, or if Leaflet did not load, the address and the Directions link remain.
const container = document.getElementById("location-map");
const dataNode = document.getElementById("location-map-data");

if (container && dataNode && window.L) {
  drawMap(window.L, container, JSON.parse(dataNode.textContent));
}

function drawMap(L, container, place) {
  container.hidden = false;
  const map = L.map(container, { scrollWheelZoom: false });
  L.tileLayer(place.tiles.url, {
    attribution: place.tiles.attribution,
    maxZoom: place.tiles.max_zoom,
    detectRetina: true, // sharp tiles on high-density phone screens
  }).addTo(map);
  const point = [place.lat, place.lng];
  // A ZIP-centre position is approximate: show the neighbourhood, not a street corner.
  map.setView(point, Math.min(place.approximate ? 13 : 16, place.tiles.max_zoom));
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
