// Filters folded on small screens: a <details data-fold-below="60rem"> stays open on
// wide screens and without JavaScript; below the width it folds behind its title, unless
// a filter is in use (data-active), so the proposals come first on a phone.
(function () {
  "use strict";
  document.querySelectorAll("details[data-fold-below]").forEach(function (fold) {
    var wide = window.matchMedia("(min-width: " + fold.dataset.foldBelow + ")");
    if (!wide.matches && !fold.hasAttribute("data-active")) {
      fold.open = false;
    }
    wide.addEventListener("change", function (event) {
      if (event.matches) {
        fold.open = true;
      }
    });
  });
})();
