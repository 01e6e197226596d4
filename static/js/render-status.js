// The state of report renders, for the report list (templates/reviews/reports/report_list.html).
// Loaded as an ES module only while a render is queued or running; without it the page asks to
// be refreshed.
//
// Each `[data-render-status-url]` names a JSON endpoint answering {status, label, error,
// ready_url}. Every 3 seconds, while the render waits or runs, the state's words are rewritten
// in place (inside a polite live region, so screen readers hear the change). When it is ready, a
// download link appears; when it failed, the reason. Errors of the request are ignored: the
// next poll tries again.

const INTERVAL_MS = 3000;
const WAITING = new Set(["queued", "rendering"]);
const TAGS = { ready: "govuk-tag--blue", failed: "govuk-tag--purple" };

function showState(element, data) {
  const label = element.querySelector("[data-render-label]");
  if (!label) {
    return;
  }
  const tag = document.createElement("strong");
  tag.className = `govuk-tag ${TAGS[data.status] || "govuk-tag--grey"}`;
  tag.textContent = data.label;
  const parts = [tag];
  if (data.status === "failed" && data.error) {
    parts.push(document.createTextNode(` ${element.dataset.renderReason || ""} ${data.error}`));
  }
  label.replaceChildren(...parts);

  const hint = element.querySelector("[data-render-hint]");
  if (hint && data.status === "failed") {
    hint.textContent = element.dataset.renderFailedHint || "";
  } else if (hint && !WAITING.has(data.status)) {
    hint.remove();
  }
  if (data.ready_url && !element.querySelector("[data-render-download]")) {
    const paragraph = document.createElement("p");
    paragraph.className = "govuk-body";
    const link = document.createElement("a");
    link.className = "govuk-link";
    link.href = data.ready_url;
    link.setAttribute("download", "");
    link.dataset.renderDownload = "";
    link.textContent = element.dataset.renderDownloadText || data.label;
    paragraph.append(link);
    element.append(paragraph);
  }
}

function watch(element) {
  const url = element.dataset.renderStatusUrl;
  let status = element.dataset.renderStatus;

  async function poll() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = await response.json();
        if (data.status !== status) {
          status = data.status;
          showState(element, data);
        }
      }
    } catch {
      // A dropped connection: try again at the next tick.
    }
    if (WAITING.has(status)) {
      window.setTimeout(poll, INTERVAL_MS);
    }
  }

  window.setTimeout(poll, INTERVAL_MS);
}

for (const element of document.querySelectorAll("[data-render-status-url]")) {
  if (WAITING.has(element.dataset.renderStatus)) {
    watch(element);
  }
}
