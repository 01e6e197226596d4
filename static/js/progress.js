// Progress of a background job, for the proposal page (reviews/allocation/proposal_detail.html).
// Loaded as an ES module only while the proposal is queued or running; without it the page
// offers a "Refresh" link.
//
// `[data-progress-url]` names a JSON endpoint answering {status, label}. Every 2 seconds the
// label is updated in place (a polite live region); once the status is no longer "queued" or
// "running" the page reloads to show the result. Errors are ignored: the next poll tries again.

const INTERVAL_MS = 2000;
const WAITING = new Set(["queued", "running"]);

function watch(element) {
  const url = element.dataset.progressUrl;
  const label = element.querySelector("[data-progress-label]");
  let status = element.dataset.progressStatus;

  async function poll() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = await response.json();
        if (!WAITING.has(data.status)) {
          window.location.reload();
          return;
        }
        if (data.status !== status && label) {
          label.textContent = data.label;
          status = data.status;
        }
      }
    } catch {
      // A dropped connection: try again at the next tick.
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
}

for (const element of document.querySelectorAll("[data-progress-url]")) {
  watch(element);
}
