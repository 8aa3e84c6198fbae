// A form sent back with errors: move the focus to the summary of what to correct, so that
// keyboard and screen reader users start there; its links lead to each field.
const summary = document.getElementById("error-summary");
if (summary) {
  summary.focus();
}
