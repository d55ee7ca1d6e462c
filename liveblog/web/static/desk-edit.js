/* liveblog desk: changing entries in the list (after desk.js and desk-entries.js, see desk.js).

   - Edit in place: the tools' "edit" swaps an entry's article for a form filled from
     GET .../entries/{id}. Saving sends only the changed fields with the ETag the edit started
     from (If-Match). On 412 the current version is fetched and shown beside the user's; they
     keep theirs, keep their own or merge by hand, and save against the new ETag. Nothing is
     overwritten silently. Ctrl/Cmd+Enter saves, Escape cancels (asking first if text changed).
     The edit form also has the correction note (sent only when changed; empty removes it) and
     "minor edit" (sent as `minor: true` only when ticked, and only with another change). The
     API's field errors (422) are shown under their fields, as on the other desk forms.
   - The edit form takes photos as the compose form does (desk-media.js) and has the
     "not independently verified" checkbox (`unverified`, sent when changed).
   - Pin and key event toggles change one flag: on 412 they are applied to the current version
     once more (that overwrites no text).
   - Delete asks first; on 412 it asks again whether to delete the changed entry.
   - While an edit form is open, the other desks show who edits the entry (advisory; see
     desk-stream.js, `liveblogDesk.presence`). */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk) return;
  const { cfg, list, say, shortcut, call, problem, controls, read, fill, clearFieldErrors, showFieldErrors } = desk;
  const { status, articleOf, flags, setState, replaceArticle, removeWrapper } = desk.entries;
  const editTemplate = document.getElementById("desk-edit-form");
  const conflictTemplate = document.getElementById("desk-conflict");
  const FIELDS = ["headline", "body", "source", "key_event", "pinned", "unverified"];

  function pathOf(wrapper) {
    return "/entries/" + wrapper.dataset.entryId;
  }

  function etagFor(wrapper) {
    return '"' + wrapper.dataset.entryId + "-" + wrapper.dataset.version + '"';
  }

  /** What went wrong with an entry that may have been deleted meanwhile. */
  function trouble(result) {
    return result.status === 410 ? cfg.labelGone : problem(result);
  }

  /** After a 412: the same request once more, against the version saved meanwhile. */
  async function againstCurrent(method, path, body, result) {
    const current = await call("GET", path);
    return current.ok ? call(method, path, body, { "If-Match": current.etag }) : result;
  }

  function instantiate(template, id) {
    const element = template.content.firstElementChild.cloneNode(true);
    for (const node of [element, ...element.querySelectorAll("*")]) {
      for (const name of ["id", "for", "aria-labelledby", "aria-describedby"]) {
        const value = node.getAttribute(name);
        if (value && value.includes("-ID-")) node.setAttribute(name, value.replace("-ID-", "-" + id + "-"));
      }
    }
    return element;
  }

  // -- editing ---------------------------------------------------------------------------------

  async function startEdit(wrapper) {
    const open = wrapper.querySelector(":scope > form");
    if (open) {
      controls(open).body.focus();
      return;
    }
    if (wrapper.dataset.opening === "true") return; // a second click while the first loads
    const id = wrapper.dataset.entryId;
    wrapper.dataset.opening = "true";
    // Readers may not see the byline (the blog's show_authors): members ask for it apart.
    const withAuthors = Boolean(editTemplate.content.querySelector("[data-field=authors]"));
    const [result, byline] = await Promise.all([
      call("GET", pathOf(wrapper)),
      withAuthors ? call("GET", pathOf(wrapper) + "/authors") : null,
    ]);
    delete wrapper.dataset.opening;
    if (!result.ok) {
      say(status, trouble(result));
      if (result.status === 410) removeWrapper(wrapper);
      return;
    }
    const form = instantiate(editTemplate, id);
    fill(form, result.data);
    if (byline && byline.ok && byline.data) desk.setAuthors(form, byline.data.items);
    controls(form).correction.value = result.data.correction || "";
    if (desk.media) desk.media.sync(form); // a card for each photo of the text
    form.etag = result.etag;
    form.start = read(form);
    form.startCorrection = controls(form).correction.value.trim();
    setState(wrapper, result.data);
    wrapper.classList.add("is-editing");
    articleOf(wrapper).hidden = true;
    wrapper.querySelector(".desk-entry__tools").hidden = true;
    wrapper.append(form);
    if (desk.presence) desk.presence.editing(id); // the other desks show who edits it
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save(wrapper, form);
    });
    form.addEventListener("keydown", (event) => {
      if (shortcut(event)) {
        event.preventDefault();
        if (event.target.dataset.field === "merged") saveMerge(wrapper, form);
        else save(wrapper, form);
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancelEdit(wrapper, form);
      }
    });
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const action = button.dataset.action;
      if (action === "cancel") cancelEdit(wrapper, form);
      else if (action === "keep-theirs") closeEdit(wrapper);
      else if (action === "keep-mine") save(wrapper, form);
      else if (action === "merge") startMerge(form);
      else if (action === "save-merge") saveMerge(wrapper, form);
    });
    controls(form).body.focus();
  }

  function changes(form) {
    const mine = read(form);
    const c = controls(form);
    const changed = {};
    for (const field of FIELDS) if (mine[field] !== form.start[field]) changed[field] = mine[field];
    if (mine.authors && JSON.stringify(mine.authors) !== JSON.stringify(form.start.authors)) {
      changed.authors = mine.authors;
    }
    const correction = c.correction.value.trim();
    if (correction !== form.startCorrection) changed.correction = correction;
    if (c.minor.checked && Object.keys(changed).length) changed.minor = true;
    return changed;
  }

  function cancelEdit(wrapper, form) {
    if (Object.keys(changes(form)).length && !window.confirm(cfg.labelConfirmDiscard)) return;
    closeEdit(wrapper);
  }

  function closeEdit(wrapper) {
    const form = wrapper.querySelector(":scope > form");
    if (form) form.remove();
    if (desk.presence) desk.presence.stopped(wrapper.dataset.entryId);
    wrapper.classList.remove("is-editing");
    if (wrapper.dataset.deleted === "true") {
      removeWrapper(wrapper);
      return;
    }
    if (wrapper.pendingHtml) replaceArticle(wrapper, wrapper.pendingHtml);
    wrapper.pendingHtml = null;
    articleOf(wrapper).hidden = false;
    const tools = wrapper.querySelector(".desk-entry__tools");
    tools.hidden = false;
    tools.querySelector("[data-action=edit]").focus();
  }

  async function save(wrapper, form) {
    if (form.saving) return;
    const formStatus = form.querySelector(".entry-form__status");
    const changed = changes(form);
    if (!Object.keys(changed).length) {
      closeEdit(wrapper);
      say(status, cfg.labelNoChange);
      return;
    }
    if ("body" in changed && !changed.body.trim()) {
      say(formStatus, cfg.labelEmptyBody);
      return;
    }
    if (desk.media && !desk.media.ready(form, formStatus)) return; // an upload, a photo without alt text
    form.saving = true;
    clearFieldErrors(form);
    say(formStatus, cfg.labelSaving);
    const result = await call("PATCH", pathOf(wrapper), changed, { "If-Match": form.etag });
    form.saving = false;
    if (result.ok) {
      setState(wrapper, result.data);
      closeEdit(wrapper);
      say(status, cfg.labelSaved);
    } else if (result.status === 412) {
      await showConflict(wrapper, form);
    } else {
      showFieldErrors(form, result);
      say(formStatus, trouble(result));
    }
  }

  /** Someone saved in between: show their version beside ours; the next save is against theirs. */
  async function showConflict(wrapper, form) {
    const formStatus = form.querySelector(".entry-form__status");
    const current = await call("GET", pathOf(wrapper));
    if (!current.ok) {
      say(formStatus, trouble(current));
      return;
    }
    const theirs = current.data;
    const mine = read(form);
    form.etag = current.etag;
    form.start = {
      headline: theirs.headline || null,
      body: theirs.body,
      source: theirs.source || null,
      key_event: theirs.key_event,
      pinned: theirs.pinned,
      unverified: Boolean(theirs.unverified),
    };
    form.startCorrection = (theirs.correction || "").trim();
    setState(wrapper, theirs);
    const slot = form.querySelector(".conflict-slot");
    slot.textContent = "";
    const panel = instantiate(conflictTemplate, wrapper.dataset.entryId);
    const sides = { theirs, mine };
    for (const element of panel.querySelectorAll("[data-side]")) {
      const [side, field] = element.dataset.side.split("-");
      element.textContent = sides[side][field] || "";
      element.hidden = !sides[side][field];
    }
    panel.querySelector("[data-field=merged]").value = mine.body;
    slot.append(panel);
    say(formStatus, "");
    panel.querySelector("[data-action=merge]").focus();
  }

  function startMerge(form) {
    const area = form.querySelector(".conflict__merge");
    area.hidden = false;
    area.querySelector("textarea").focus();
  }

  function saveMerge(wrapper, form) {
    const merged = form.querySelector("[data-field=merged]");
    if (!merged) return;
    controls(form).body.value = merged.value;
    form.querySelector(".conflict-slot").textContent = "";
    save(wrapper, form);
  }

  // -- flags and deletion ----------------------------------------------------------------------

  async function toggle(wrapper, field) {
    const path = pathOf(wrapper);
    const want = { [field]: !flags(wrapper)[field] };
    let result = await call("PATCH", path, want, { "If-Match": etagFor(wrapper) });
    if (result.status === 412) {
      // Only this flag changes, so applying it to the version saved meanwhile overwrites nothing.
      result = await againstCurrent("PATCH", path, want, result);
    }
    if (result.ok) setState(wrapper, result.data);
    else say(status, trouble(result));
  }

  async function remove(wrapper) {
    if (!window.confirm(cfg.labelConfirmDelete)) return;
    const path = pathOf(wrapper);
    let result = await call("DELETE", path, undefined, { "If-Match": etagFor(wrapper) });
    if (result.status === 412 && window.confirm(cfg.labelChangedDelete)) {
      result = await againstCurrent("DELETE", path, undefined, result);
    }
    if (result.ok || result.status === 410) {
      removeWrapper(wrapper);
      say(status, cfg.labelDeleted);
    } else if (result.status !== 412) {
      say(status, problem(result));
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".desk-entry__tools button[data-action]");
    if (!button) return;
    const wrapper = button.closest(".desk-entry");
    const action = button.dataset.action;
    if (action === "edit") startEdit(wrapper);
    else if (action === "pin") toggle(wrapper, "pinned");
    else if (action === "key") toggle(wrapper, "key_event");
    else if (action === "delete") remove(wrapper);
  });
})();
