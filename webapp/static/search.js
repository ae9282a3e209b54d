// Search page: small conveniences only; everything works without this file.
(function () {
  "use strict";
  var box = document.getElementById("q");
  if (!box) return;

  // "/" jumps to the search box, as on many search sites (not while typing elsewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // The filters: folded on a phone (they come before the results), unless one was just used;
  // the filter just used (its link's id is in the URL's fragment) gets the focus back.
  var panel = document.querySelector(".facets__panel");
  var used = /^#f-[\w-]+$/.test(window.location.hash) ? document.getElementById(window.location.hash.slice(1)) : null;
  var phone = window.matchMedia("(max-width: 900px)").matches;
  if (panel && !used && phone) panel.open = false;
  if (panel && !phone) {
    // Beside the results the panel stays open: its title is not a button there.
    panel.querySelector("summary").tabIndex = -1;
    panel.addEventListener("toggle", function () { if (!panel.open) panel.open = true; });
  }
  if (used) {
    var more = used.closest("details.facet__more");
    if (more) more.open = true;
    used.focus({ preventScroll: false });
  }
})();
