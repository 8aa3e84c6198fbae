// "Use my location" on the search form. The button is rendered hidden and shown only
// where the browser can report a position; the search then runs on "lat,lng".
const button = document.getElementById("use-my-location");
const status = document.getElementById("locate-status");
const near = document.getElementById("id_near");

if (button && status && near && "geolocation" in navigator) {
  let asking = false;
  button.hidden = false;
  button.addEventListener("click", () => {
    if (asking) return;
    asking = true;
    status.textContent = button.dataset.finding;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        // Four decimals is about 10 metres: plenty for a search, and no more precise.
        const { latitude, longitude } = position.coords;
        near.value = `${latitude.toFixed(4)},${longitude.toFixed(4)}`;
        if (near.form.requestSubmit) near.form.requestSubmit();
        else near.form.submit();
      },
      (error) => {
        asking = false;
        const refused = error.code === error.PERMISSION_DENIED;
        status.textContent = refused ? button.dataset.denied : button.dataset.failed;
        near.focus();
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}
