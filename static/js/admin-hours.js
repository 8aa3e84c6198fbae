// The Location form's opening hours: as staff type, ask the server's own parser (the
// CSV import's) how the week reads and show it under the field. Without JavaScript the
// week is shown when the form comes back (after saving, or with an error).
const input = document.getElementById("id_opening_hours");
const dataElement = document.getElementById("admin-hours-data");

if (input && dataElement) {
  const { url } = JSON.parse(dataElement.textContent);
  const timezoneInput = document.getElementById("id_timezone");
  let pending = null;
  let latest = 0;

  async function refresh() {
    const asked = ++latest;
    const query = new URLSearchParams({
      hours: input.value,
      timezone: timezoneInput ? timezoneInput.value : "",
    });
    try {
      const response = await fetch(`${url}?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok || asked !== latest) return;
      const { html } = await response.json();
      const preview = document.getElementById("admin-hours-preview");
      if (preview && asked === latest) preview.outerHTML = html;
    } catch {
      // Offline or signed out: the preview stays as it was; saving still checks.
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 250);
  });
}
