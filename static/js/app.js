// Progressive enhancement for every page, loaded as an ES module from base.html.
// GOV.UK Frontend's page template marks the body with an inline script; our Content Security
// Policy forbids inline scripts, so this module does it before starting the components.
// The import is relative so that it follows STATIC_URL (it resolves to
// /static/build/govuk-frontend.min.js).
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Conditional questions under radios (GOV.UK's "conditional reveal"): a radio with
// data-reveal="ID" shows the element ID only while it is chosen. Done here rather than by
// GOV.UK Frontend's radios script, which marks radios with aria-expanded, an attribute a radio
// may not carry (axe-core: aria-allowed-attr). Without JavaScript every question shows.
function syncReveals() {
  for (const radio of document.querySelectorAll("input[type=radio][data-reveal]")) {
    const target = document.getElementById(radio.dataset.reveal);
    if (target) target.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
  }
}

document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.type === "radio") syncReveals();
});
syncReveals();
