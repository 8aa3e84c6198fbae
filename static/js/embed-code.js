// "Get the embed code": rebuild the snippet and the preview as the form changes, and copy
// the snippet. Without JavaScript the form reloads the page with the same result.
const config = JSON.parse(document.getElementById("embed-config").textContent);
const form = document.getElementById("embed-code-form");
const snippet = document.getElementById("embed-snippet");
const preview = document.getElementById("embed-preview");
const copyButton = document.getElementById("copy-embed-code");
const copyStatus = document.getElementById("copy-status");

// The same escaping as Django's format_html, so both write the same snippet.
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function searchQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text) params.append(name, text);
  }
  return params.toString();
}

function withQuery(path, query) {
  return query ? `${path}?${query}` : path;
}

function updateSnippet() {
  const query = searchQuery();
  const near = form.elements.near.value.trim().split(/\s+/).join(" ");
  const title = near ? config.title.replace("%(place)s", near) : config.titleAny;
  const src = withQuery(config.embedUrl, query);
  snippet.value =
    `<iframe src="${escapeHtml(src)}" title="${escapeHtml(title)}" ` +
    `width="100%" height="600" loading="lazy"></iframe>`;
  copyStatus.textContent = "";
  // Keep the address bar in step, so a reload or a shared link shows the same choice.
  history.replaceState(null, "", withQuery(location.pathname, query));
  return query;
}

function updatePreview() {
  const src = withQuery(config.previewUrl, updateSnippet());
  if (preview.getAttribute("src") !== src) preview.setAttribute("src", src);
}

let typing;
form.addEventListener("input", (event) => {
  updateSnippet();
  // Reload the preview when typing pauses, not on every key.
  clearTimeout(typing);
  typing = setTimeout(updatePreview, event.target.name === "near" ? 700 : 0);
});
form.addEventListener("change", updatePreview);

copyButton.hidden = false;
copyButton.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(snippet.value);
    copyStatus.textContent = config.copied;
  } catch {
    snippet.focus();
    snippet.select();
    copyStatus.textContent = config.copyFailed;
  }
});
