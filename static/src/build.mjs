// Builds the stylesheet and copies GOV.UK Frontend's script into static/build/.
// GOV.UK Frontend is compiled from Sass so that it uses the system font stack: this service is
// not on GOV.UK, so it must not load the GDS Transport font or show the crown.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "static", "build");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(here, "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), result.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
// The compiled CSS still names the footer's crest image (a rule we never use). collectstatic's
// manifest storage refuses a stylesheet that points at a missing file, so the image comes too.
const images = join(out, "assets", "images");
mkdirSync(images, { recursive: true });
cpSync(join(govuk, "assets", "images", "govuk-crest.svg"), join(images, "govuk-crest.svg"));
console.log(`static/build: app.css (${result.css.length} bytes), govuk-frontend.min.js, crest`);
