// Sharing a listing: Copy link, the system's Share… sheet, and the flyer's Print button.
// All of them are rendered hidden: without JavaScript the link stays visible in its
// read-only field (and the browser's own Print menu prints the flyer).
const permalink = document.getElementById("permalink");
const copyButton = document.getElementById("copy-link");
const shareButton = document.getElementById("web-share");
const printButton = document.getElementById("print-flyer");
const status = document.getElementById("share-status");
const configNode = document.getElementById("share-config");
const config = configNode ? JSON.parse(configNode.textContent) : {};

function announce(message) {
  // Emptied first so that saying the same thing twice is announced twice.
  status.textContent = "";
  window.setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function selectLink() {
  permalink.focus();
  permalink.select();
  announce(config.selectToCopy);
}

if (copyButton && permalink && status) {
  copyButton.hidden = false;
  copyButton.addEventListener("click", async () => {
    if (!navigator.clipboard?.writeText) {
      selectLink();
      return;
    }
    try {
      await navigator.clipboard.writeText(permalink.value);
      announce(config.copied);
    } catch {
      selectLink();
    }
  });
}

if (shareButton && permalink && typeof navigator.share === "function") {
  shareButton.hidden = false;
  shareButton.addEventListener("click", async () => {
    try {
      await navigator.share({ title: config.title, url: permalink.value });
    } catch (error) {
      // Closing the share sheet is not an error; anything else falls back to copying.
      if (error.name !== "AbortError" && copyButton) copyButton.click();
    }
  });
}

if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}
