// Progressive enhancement for every page, loaded as an ES module from base.html.
// GOV.UK Frontend's page template marks the body with an inline script; our Content Security
// Policy forbids inline scripts, so this module does it before starting the components.
// The import is relative so that it follows STATIC_URL (it resolves to
// /static/build/govuk-frontend.min.js).
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
