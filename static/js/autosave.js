/* Autosave for questionnaire pages: posts the section form in the background after edits.
   The form works without this script (explicit Save buttons); no external code is loaded. */
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form || !window.fetch) { return; }
  var status = document.getElementById("autosave-status");
  // The messages come from the page (data-* on the status line), translated by the catalogue.
  var d = (status && status.dataset) || {};
  var text = {
    saving: d.saving || "Saving…",
    saved: d.saved || "Saved automatically",
    failed: d.failed || "Autosave failed; use Save draft",
    conflict: d.conflict || "Someone else changed answers; use Save draft to compare",
    invalid: d.invalid || "Some answers are invalid; use Save draft to see why"
  };
  var timer = null, busy = false, again = false, dirty = false;
  function show(msg) { if (status) { status.textContent = msg; } }
  // Flag the question cards the server refused or found changed elsewhere (cleared once saved).
  function mark(qid, cls, on) {
    var card = document.getElementById("q-" + qid);
    if (!card) { return; }
    if (!cls) { card.classList.remove("has-conflict", "has-error"); return; }
    card.classList.toggle(cls, on);
  }
  function save() {
    if (busy) { again = true; return; }
    busy = true; dirty = false; show(text.saving);
    var data = new FormData(form);
    data.set("go", "stay");
    // Evidence files go with the page's own buttons only (the server ignores them here).
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (el) { data.delete(el.name); });
    fetch(form.dataset.autosave, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (res) {
      // After a clash keep the old revision, so the next save (autosave or the Save draft
      // button) is still compared question by question and the clash is shown, never lost.
      if (!(res.conflicts && res.conflicts.length)) {
        form.querySelector("input[name=revision]").value = res.revision;
      }
      Object.keys(res.states || {}).forEach(function (qid) {
        var el = form.querySelector("input[name='q-" + qid + "-state']");
        if (el) { el.value = res.states[qid]; }
      });
      Object.keys(res.states || {}).forEach(function (qid) { mark(qid, false, false); });
      (res.conflicts || []).forEach(function (qid) { mark(qid, "has-conflict", true); });
      Object.keys(res.errors || {}).forEach(function (qid) { mark(qid, "has-error", true); });
      if (res.conflicts && res.conflicts.length) { show(text.conflict); }
      else if (res.errors && Object.keys(res.errors).length) { show(text.invalid); }
      else { show(text.saved); }
    }).catch(function () { show(text.failed); dirty = true; })
      .then(function () { busy = false; if (again) { again = false; save(); } });
  }
  function schedule() { dirty = true; clearTimeout(timer); timer = setTimeout(save, 1500); }
  form.addEventListener("change", schedule);
  form.addEventListener("input", function (e) { if (e.target.tagName === "TEXTAREA" || e.target.type === "text") { schedule(); } });
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
  window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
})();
