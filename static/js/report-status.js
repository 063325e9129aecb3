// PDF reports rendered by the background worker: poll the JSON status of an assessment's
// reports and refresh when they are ready. Used by the result / submission pages (reload, so the
// buttons become plain download links) and by the 202 "being prepared" page (start the download).
// Without JavaScript the plain links on both pages still work.
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-report-status");
    var lang = box.getAttribute("data-report-lang");
    var delay = 1500;
    function again() {
      delay = Math.min(delay * 1.5, 10000);
      window.setTimeout(check, delay);
    }
    function check() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (data) {
          if (!data) { again(); return; }
          if (data.fallback) {
            // No worker reachable: stop waiting; the links render the report on request.
            box.querySelectorAll(".spinner-border").forEach(function (s) { s.remove(); });
            var note = document.getElementById("report-progress");
            if (note) { note.remove(); }
            return;
          }
          if (lang) {
            var r = data.reports[lang];
            if (r && r.status === "ready") {
              var state = document.getElementById("report-state");
              if (state) { state.textContent = box.getAttribute("data-ready-text"); }
              box.querySelectorAll(".spinner-border").forEach(function (s) { s.remove(); });
              window.location.assign(r.url);
              return;
            }
            if (r && r.status === "failed") { window.location.reload(); return; }
          } else if (data.ready) {
            window.location.reload();
            return;
          }
          again();
        })
        .catch(again);
    }
    window.setTimeout(check, delay);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-report-status]").forEach(poll);
  });
})();
