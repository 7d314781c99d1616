// The back office works without this file; it only adds comforts.
(function () {
  "use strict";
  // Ask before a destructive post (forms marked data-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // "Select all" boxes of bulk actions (data-select-all="NAME" checks every box NAME).
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.hidden = false;
    var label = document.querySelector('label[for="' + box.id + '"]');
    if (label) { label.hidden = false; }
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (other) {
        other.checked = box.checked;
      });
    });
  });
  // Move focus to the error summary of a form sent back.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
