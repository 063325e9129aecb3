// Regulator workspace: a "tick all on this page" box for the bulk report download.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    var name = master.getAttribute("data-select-all");
    var form = master.closest("form");
    master.addEventListener("change", function () {
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
});
