// Autosave and local drafts for the self-assessment pages (DESIGN.md section 8). Loaded as an
// ES module only on those pages; without it every form still works with its own button.
//
// Two kinds of form:
// - `form[data-autosave="<response id>"]`: one standard's response. A moment after the person
//   stops typing, the form is sent by fetch with `Accept: application/json`, carrying the
//   version the page started from. The server answers {version, saved_at_display}; 409 when
//   someone else saved first (the person then opens the merge view, which is simply the form
//   sent the ordinary way) or when the review was submitted; 400 with field errors.
// - `form[data-draft="<key>"]`: perspectives and the "your voice" form, saved by their button.
//
// Both keep a copy of unsaved text in localStorage, so that it survives an expired session:
// after signing in again (the login page's `next` brings the person back) the page puts the
// text back, with a button to discard it. A draft whose version is older than the page's keeps
// its version, so saving it shows both texts instead of overwriting someone else's.
// A page reached with ?saved=<key> (after a successful save) forgets that draft.
// The words shown come from #autosave-messages (translated by the template).

const STORE = "relational-assurance:draft:";
const DEBOUNCE_MS = 1500;
const words = document.getElementById("autosave-messages")?.dataset ?? {};

function say(name, values = {}) {
  let message = words[name] ?? "";
  for (const [key, value] of Object.entries(values)) {
    message = message.replace(`%(${key})s`, value);
  }
  return message;
}

// localStorage can be full, switched off or unavailable; the buttons still save then.
const storage = {
  get(key) {
    try {
      const raw = window.localStorage.getItem(STORE + key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(STORE + key, JSON.stringify(value));
    } catch {
      // Nothing to do: the text is still in the form.
    }
  },
  remove(key) {
    try {
      window.localStorage.removeItem(STORE + key);
    } catch {
      // As above.
    }
  },
  keys(prefix) {
    const found = [];
    try {
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const key = window.localStorage.key(i);
        if (key?.startsWith(STORE + prefix)) found.push(key.slice(STORE.length));
      }
    } catch {
      // As above.
    }
    return found;
  },
};

// Form values ---------------------------------------------------------------------------------

function fields(form) {
  return [...form.elements].filter(
    (el) => el.name && !["hidden", "submit", "button", "file"].includes(el.type),
  );
}

function versionInput(form) {
  return form.querySelector('input[type="hidden"][name$="version"]');
}

// What the fields hold now, or (saved) what the page was loaded or last saved with.
function read(form, { saved = false } = {}) {
  const values = {};
  for (const el of fields(form)) {
    if (el.type === "radio") {
      if (saved ? el.defaultChecked : el.checked) values[el.name] = el.value;
      else values[el.name] ??= "";
    } else if (el.type === "checkbox") {
      values[el.name] = (saved ? el.defaultChecked : el.checked) ? el.value : "";
    } else {
      values[el.name] = saved ? el.defaultValue : el.value;
    }
  }
  return values;
}

function write(form, values) {
  for (const el of fields(form)) {
    if (!(el.name in values)) continue;
    if (el.type === "radio") {
      // A click also shows or hides the conditional question (see app.js).
      if (el.value === values[el.name] && !el.checked) el.click();
      else if (values[el.name] === "") el.checked = false;
    } else if (el.type === "checkbox") {
      el.checked = values[el.name] !== "";
    } else {
      el.value = values[el.name];
    }
  }
}

// After a save, what was sent becomes what "saved" means for this page.
function remember(form, values) {
  for (const el of fields(form)) {
    if (!(el.name in values)) continue;
    if (el.type === "radio" || el.type === "checkbox") {
      el.defaultChecked = el.type === "radio" ? el.value === values[el.name] : values[el.name] !== "";
    } else {
      el.defaultValue = values[el.name];
    }
  }
}

const clean = (value) => String(value ?? "").replace(/\r\n/g, "\n").trim();

function same(a, b) {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => clean(a[name]) === clean(b[name]));
}

function button(label, onClick, extraClass = "") {
  const el = document.createElement("button");
  el.type = "button";
  el.className = `govuk-button govuk-button--secondary govuk-!-margin-bottom-0 ${extraClass}`.trim();
  el.textContent = label;
  el.addEventListener("click", onClick);
  return el;
}

// The notice above a form whose unsaved text was put back, with the discard button.
function restoredNotice(form, message, onDiscard) {
  const box = document.createElement("div");
  box.className = "govuk-inset-text app-draft-notice";
  const text = document.createElement("p");
  text.className = "govuk-body";
  text.textContent = message;
  box.append(
    text,
    button(say("discard"), () => {
      onDiscard();
      box.remove();
    }),
  );
  form.prepend(box);
  form.closest("details")?.setAttribute("open", "");
  return box;
}

// A response: autosave ------------------------------------------------------------------------

class ResponseAutosave {
  constructor(form) {
    this.form = form;
    this.id = form.dataset.autosave;
    this.version = versionInput(form);
    this.status = form.querySelector("[data-autosave-status]");
    this.savedVersion = this.version.value;
    this.timer = null;
    this.busy = false;
    this.again = false;
    this.stopped = false; // after a conflict, a submitted review or signing out
    this.quiet = false; // while the script itself changes the fields
    form.addEventListener("input", () => this.changed());
    this.submitWhenSaved = false;
    form.addEventListener("submit", (event) => {
      window.clearTimeout(this.timer);
      this.keep();
      if (this.busy) {
        // An autosave is on its way: send the form once it is back, with the version it
        // produced, or the person would meet their own save as someone else's.
        event.preventDefault();
        this.submitWhenSaved = true;
      }
    });
    this.restore();
  }

  key(version = this.version.value) {
    return `response:${this.id}:${version}`;
  }

  show(message, ...extra) {
    this.status.replaceChildren(message, ...(extra.length ? [" ", ...extra] : []));
  }

  keep() {
    const values = read(this.form);
    if (same(values, read(this.form, { saved: true })) && this.version.value === this.savedVersion) {
      storage.remove(this.key());
    } else {
      storage.set(this.key(), { version: this.version.value, values, at: Date.now() });
    }
  }

  changed() {
    if (this.quiet) return;
    this.keep();
    if (this.stopped) return;
    this.show(say("unsaved"));
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.save(), DEBOUNCE_MS);
  }

  restore() {
    const drafts = storage
      .keys(`response:${this.id}:`)
      .map((key) => ({ key, draft: storage.get(key) }))
      .filter(({ draft }) => draft?.values)
      .sort((a, b) => b.draft.at - a.draft.at);
    if (!drafts.length) return;
    drafts.slice(1).forEach(({ key }) => storage.remove(key));
    const { key, draft } = drafts[0];
    if (same(draft.values, read(this.form))) {
      storage.remove(key);
      return;
    }
    this.quiet = true;
    write(this.form, draft.values);
    this.quiet = false;
    const stale = String(draft.version) !== this.savedVersion;
    if (stale) this.version.value = String(draft.version);
    const message = stale ? `${say("restored")} ${say("restoredStale")}` : say("restored");
    this.notice = restoredNotice(this.form, message, () => this.discard());
    this.show(say("unsaved"));
  }

  discard() {
    storage.keys(`response:${this.id}:`).forEach((key) => storage.remove(key));
    this.quiet = true;
    write(this.form, read(this.form, { saved: true }));
    this.quiet = false;
    this.version.value = this.savedVersion;
    this.stopped = false;
    this.show(say("discarded"));
    fields(this.form)[0]?.focus();
  }

  async save() {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    const sent = read(this.form);
    if (same(sent, read(this.form, { saved: true })) && this.version.value === this.savedVersion) {
      storage.remove(this.key());
      return;
    }
    this.busy = true;
    this.show(say("saving"));
    let response;
    let body = {};
    try {
      response = await fetch(this.form.action, {
        method: "POST",
        body: new FormData(this.form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
      body = await response.json().catch(() => ({}));
    } catch {
      this.busy = false;
      this.show(say("offline"));
      return;
    }
    this.busy = false;
    if (response.type === "opaqueredirect" || [401, 403].includes(response.status)) {
      this.signedOut();
    } else if (response.ok && body.version) {
      storage.remove(this.key());
      this.version.value = String(body.version);
      this.savedVersion = this.version.value;
      remember(this.form, sent);
      this.notice?.remove();
      this.keep(); // text typed while the save was on its way stays kept
      this.show(say("saved", { time: body.saved_at_display }));
    } else if (response.status === 409 && body.error === "stale") {
      this.stopped = true;
      this.keep();
      // The form sent the ordinary way comes back as the page with both texts.
      this.show(say("stale"), button(say("merge"), () => this.form.submit()));
    } else if (response.status === 409) {
      this.stopped = true;
      this.keep();
      this.show(body.message || say("notEditable"));
    } else if (response.status === 400 && body.errors) {
      const first = Object.values(body.errors).flat()[0] ?? "";
      this.show(say("invalid", { error: first }));
    } else {
      this.show(say("failed"));
    }
    if (this.submitWhenSaved) {
      this.submitWhenSaved = false;
      this.form.submit();
      return;
    }
    if (this.again) {
      this.again = false;
      this.changed();
    }
  }

  signedOut() {
    this.stopped = true;
    this.keep();
    const back = `${window.location.pathname}${window.location.search}#${this.form.dataset.anchor ?? ""}`;
    const link = document.createElement("a");
    link.className = "govuk-link";
    link.href = `${say("loginUrl")}?next=${encodeURIComponent(back)}`;
    link.textContent = say("signIn");
    this.show(say("signedOut"), link);
  }
}

// A form saved by its button: local draft only ----------------------------------------------

class DraftForm {
  constructor(form) {
    this.form = form;
    this.key = form.dataset.draft;
    this.version = versionInput(form);
    form.addEventListener("input", () => this.keep());
    this.restore();
  }

  keep() {
    const values = read(this.form);
    if (same(values, read(this.form, { saved: true }))) {
      storage.remove(this.key);
    } else {
      storage.set(this.key, { values, version: this.version?.value ?? "", at: Date.now() });
    }
  }

  restore() {
    const draft = storage.get(this.key);
    if (!draft?.values || same(draft.values, read(this.form))) return;
    write(this.form, draft.values);
    const original = this.version?.value;
    if (this.version && draft.version) this.version.value = draft.version;
    const stale = Boolean(this.version && draft.version && draft.version !== original);
    const message = stale ? `${say("restored")} ${say("restoredStale")}` : say("restored");
    restoredNotice(this.form, message, () => {
      storage.remove(this.key);
      write(this.form, read(this.form, { saved: true }));
      if (this.version) this.version.value = original;
    });
  }
}

const saved = new URLSearchParams(window.location.search).get("saved");
if (saved) storage.remove(saved);
for (const form of document.querySelectorAll("form[data-autosave]")) new ResponseAutosave(form);
for (const form of document.querySelectorAll("form[data-draft]")) new DraftForm(form);
