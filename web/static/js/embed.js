/* The embedded dialogue: its "sign in to vote" link opens the platform in a new window.
   When the citizen comes back to the page that frames the dialogue, the frame is
   reloaded once, so that it shows them signed in with their vote buttons. Without
   JavaScript, reloading the page does the same. */
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-signin-window]");
  if (!links.length) { return; }
  var left = false;
  links.forEach(function (link) {
    link.addEventListener("click", function () { left = true; });
  });
  function back() {
    if (left && document.visibilityState === "visible") {
      left = false;
      window.location.reload();
    }
  }
  document.addEventListener("visibilitychange", back);
  window.addEventListener("focus", back);
})();
